package dev.csmpipeline.storage.service.delivery;

import dev.csmpipeline.service.ApiException;
import dev.csmpipeline.service.AudioDelivery;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StoredObject;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * Internal delivery of bucket objects to the fleet (a CDN origin, the API): ranged GET and presigned URLs. It does
 * no tenant checks, so it is never exposed outside the cluster; clients go through the ingest API.
 */
@RestController
public class ObjectsController {

    private static final String PREFIX = "/internal/objects/";

    private final ObjectStorage storage;

    public ObjectsController(ObjectStorage storage) {
        this.storage = storage;
    }

    @GetMapping(PREFIX + "**")
    public ResponseEntity<StreamingResponseBody> get(HttpServletRequest request,
                                                     @RequestHeader(name = HttpHeaders.RANGE, required = false)
                                                     String range) {
        String key = keyOf(request);
        StoredObject object = storage.stat(key).orElseThrow(() -> ApiException.notFound("object", key));
        return AudioDelivery.stream(storage, object, range, key.substring(key.lastIndexOf('/') + 1));
    }

    @PostMapping("/internal/presign")
    public Map<String, String> presign(@RequestParam String key, @RequestParam(defaultValue = "PT15M") Duration ttl) {
        storage.stat(key).orElseThrow(() -> ApiException.notFound("object", key));
        return Map.of("key", key, "url", storage.presignGet(key, ttl), "expires_in", ttl.toString());
    }

    private static String keyOf(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return uri.substring(uri.indexOf(PREFIX) + PREFIX.length());
    }
}
