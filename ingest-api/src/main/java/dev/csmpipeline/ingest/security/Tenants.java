package dev.csmpipeline.ingest.security;

import dev.csmpipeline.model.Limits;
import jakarta.servlet.http.HttpServletRequest;

/** The tenant a request acts for: set by the API-key filter when keys are on, else the default tenant. */
public final class Tenants {

    /** Request attribute holding the caller's tenant. */
    public static final String ATTRIBUTE = "csm.tenant";

    private Tenants() {
    }

    public static String of(HttpServletRequest request) {
        Object tenant = request.getAttribute(ATTRIBUTE);
        return tenant instanceof String t ? t : Limits.DEFAULT_TENANT;
    }
}
