package dev.csmpipeline.ingest.security;

import dev.csmpipeline.model.WarmUp;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * The secret of this instance's own warm-up calls ({@link WarmUp}): 256 random bits made at start, held in memory,
 * never logged or configured. A call to one of {@link #PATHS} that presents it in {@value #HEADER} acts as the
 * warm-up tenant, whatever the API keys, and a warm-up tenant's sync call never reaches a worker (its reply is this
 * instance's own). It opens nothing else.
 */
public final class WarmUpToken {

    public static final String HEADER = "X-Warm-Up-Token";
    /** The endpoints the warm-up calls, and the only ones the token is good for. */
    public static final String GENERATE = "/generate";
    public static final String SPEECH = "/v1/audio/speech";
    public static final Set<String> PATHS = Set.of(GENERATE, SPEECH);

    private final String token;

    public WarmUpToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        this.token = HexFormat.of().formatHex(bytes);
    }

    /** The value to send in {@value #HEADER}. */
    public String value() {
        return token;
    }

    /** Whether {@code presented} is this instance's token (in constant time). */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8),
                presented.getBytes(StandardCharsets.UTF_8));
    }
}
