package dev.csmpipeline.ingest.security;

import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.WarmUp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The API keys and the tenants they map to. Only SHA-256 digests of the keys are kept, and a presented key is
 * compared digest to digest in constant time, so neither memory dumps nor timing reveal a key.
 */
public final class ApiKeys {

    private static final Pattern TENANT = Pattern.compile(Limits.TENANT_PATTERN);

    private record Entry(byte[] digest, String tenant) {
    }

    private final List<Entry> entries;
    private final byte[] internalToken;

    private ApiKeys(List<Entry> entries, byte[] internalToken) {
        this.entries = entries;
        this.internalToken = internalToken;
    }

    /** Keys from the properties; fails at startup with what is wrong (never echoing a key). */
    public static ApiKeys from(SecurityProperties props) {
        List<String> lines = new ArrayList<>();
        if (props.apiKeys() != null) {
            lines.addAll(List.of(props.apiKeys().split(",")));
        }
        if (props.apiKeysFile() != null) {
            try {
                lines.addAll(Files.readAllLines(props.apiKeysFile(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("SECURITY_API_KEYS_FILE " + props.apiKeysFile()
                        + " cannot be read: " + e.getMessage(), e);
            }
        }
        Map<String, Entry> byKey = new HashMap<>();
        int lineNo = 0;
        for (String raw : lines) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int eq = line.lastIndexOf('=');
            if (eq <= 0 || eq == line.length() - 1) {
                throw new IllegalArgumentException("API key entry " + lineNo + " must be key=tenant");
            }
            String key = line.substring(0, eq).strip();
            String tenant = line.substring(eq + 1).strip();
            if (key.length() < 16) {
                throw new IllegalArgumentException("API key entry " + lineNo + " (tenant " + tenant
                        + ") is shorter than 16 characters; use a long random key");
            }
            if (!TENANT.matcher(tenant).matches()) {
                throw new IllegalArgumentException("API key entry " + lineNo + ": tenant must match "
                        + Limits.TENANT_PATTERN);
            }
            if (tenant.equals(WarmUp.TENANT)) {
                throw new IllegalArgumentException("API key entry " + lineNo + ": tenant '" + WarmUp.TENANT
                        + "' is reserved for the services' own warm-up calls; choose another name");
            }
            byKey.put(key, new Entry(sha256(key), tenant));
        }
        String token = props.internalToken();
        if (!byKey.isEmpty() && (token == null || token.isBlank())) {
            throw new IllegalArgumentException("SECURITY_INTERNAL_TOKEN is required when API keys are on: ingest "
                    + "instances use it for their internal status queries");
        }
        return new ApiKeys(List.copyOf(byKey.values()), token == null || token.isBlank() ? null : sha256(token));
    }

    public boolean enabled() {
        return !entries.isEmpty();
    }

    public int count() {
        return entries.size();
    }

    /** The tenant of {@code presented}, if it is a known key. */
    public Optional<String> tenantOf(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] digest = sha256(presented);
        String tenant = null;
        for (Entry e : entries) { // no early exit: every key costs the same
            if (MessageDigest.isEqual(e.digest(), digest)) {
                tenant = e.tenant();
            }
        }
        return Optional.ofNullable(tenant);
    }

    /** True when internal calls need a token and {@code presented} is it (or when none is configured). */
    public boolean internalAllowed(String presented) {
        if (internalToken == null) {
            return true;
        }
        return presented != null && MessageDigest.isEqual(internalToken, sha256(presented));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
