package dev.csmpipeline.ingest.security;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;

/**
 * API keys and the internal token, from SECURITY_API_KEYS, SECURITY_API_KEYS_FILE and SECURITY_INTERNAL_TOKEN.
 * With no keys, authentication is off and every caller is the default tenant (the local stack's default).
 *
 * @param apiKeys       comma-separated {@code key=tenant} pairs
 * @param apiKeysFile   a file of {@code key=tenant} lines (a mounted Secret); blank lines and {@code #} comments skipped
 * @param internalToken the token ingest instances send each other on /internal/ calls; required with keys on
 * @param maxBodyBytes  largest request body, except narrations (SECURITY_MAX_BODY_BYTES)
 * @param maxNarrationBodyBytes largest narration request body (SECURITY_MAX_NARRATION_BODY_BYTES)
 * @param maxVoiceBodyBytes largest voice upload (SECURITY_MAX_VOICE_BODY_BYTES): a 30 s clip at 48 kHz, stereo,
 *                          24-bit is 8.6 MB
 */
@ConfigurationProperties("security")
public record SecurityProperties(String apiKeys, Path apiKeysFile, String internalToken, Long maxBodyBytes,
                                 Long maxNarrationBodyBytes, Long maxVoiceBodyBytes) {

    public SecurityProperties(String apiKeys, Path apiKeysFile, String internalToken, Long maxBodyBytes,
                              Long maxNarrationBodyBytes) {
        this(apiKeys, apiKeysFile, internalToken, maxBodyBytes, maxNarrationBodyBytes, null);
    }

    @ConstructorBinding
    public SecurityProperties {
        maxBodyBytes = maxBodyBytes == null ? 256 * 1024L : maxBodyBytes;
        maxNarrationBodyBytes = maxNarrationBodyBytes == null ? 8 * 1024 * 1024L : maxNarrationBodyBytes;
        maxVoiceBodyBytes = maxVoiceBodyBytes == null ? dev.csmpipeline.model.Limits.VOICE_UPLOAD_MAX_BYTES
                : maxVoiceBodyBytes;
    }

    /** Never prints a key or the token. */
    @Override
    public String toString() {
        return "SecurityProperties[apiKeys=" + (apiKeys == null || apiKeys.isBlank() ? "none" : "set")
                + ", apiKeysFile=" + apiKeysFile + ", internalToken=" + (internalToken == null ? "none" : "set")
                + ", maxBodyBytes=" + maxBodyBytes + ", maxNarrationBodyBytes=" + maxNarrationBodyBytes + ", maxVoiceBodyBytes="
                + maxVoiceBodyBytes + "]";
    }
}
