package dev.csmpipeline.ingest.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {

    private static final String KEY_A = "key-a-0123456789abcdef";
    private static final String KEY_B = "key-b-0123456789abcdef";

    private static SecurityProperties props(String keys, Path file, String token) {
        return new SecurityProperties(keys, file, token, null, null);
    }

    @Test
    void keysMapToTheirTenants() {
        ApiKeys keys = ApiKeys.from(props(KEY_A + "=acme," + KEY_B + "=globex", null, "internal-token"));
        assertThat(keys.tenantOf(KEY_A)).contains("acme");
        assertThat(keys.tenantOf(KEY_B)).contains("globex");
        assertThat(keys.tenantOf("key-c-0123456789abcdef")).isEmpty();
        assertThat(keys.tenantOf(null)).isEmpty();
    }

    @Test
    void keysAreReadFromAFileWithCommentsAndBlankLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, "# tenants\n\n" + KEY_A + "=acme\n");
        assertThat(ApiKeys.from(props(null, file, "t")).tenantOf(KEY_A)).contains("acme");
    }

    @Test
    void noKeysMeansAuthenticationOff() {
        ApiKeys keys = ApiKeys.from(props(null, null, null));
        assertThat(keys.enabled()).isFalse();
        assertThat(keys.internalAllowed(null)).isTrue();
    }

    @Test
    void theWarmUpTenantIsReservedForTheServicesOwnCalls() {
        // A key of that tenant would have its sync calls answered by the warm-up, never by a worker.
        assertThatThrownBy(() -> ApiKeys.from(props(KEY_A + "=warm-up", null, "t")))
                .hasMessageContaining("'warm-up' is reserved");
    }

    @Test
    void shortKeysAreRefusedWithoutEchoingThem() {
        assertThatThrownBy(() -> ApiKeys.from(props("short=acme", null, "t")))
                .hasMessageContaining("shorter than 16").hasMessageNotContaining("short=");
    }

    @Test
    void malformedEntriesAndTenantsAreRefused() {
        assertThatThrownBy(() -> ApiKeys.from(props(KEY_A, null, "t"))).hasMessageContaining("key=tenant");
        assertThatThrownBy(() -> ApiKeys.from(props(KEY_A + "=bad tenant", null, "t")))
                .hasMessageContaining("tenant must match");
    }

    @Test
    void keysWithoutAnInternalTokenAreRefused() {
        assertThatThrownBy(() -> ApiKeys.from(props(KEY_A + "=acme", null, null)))
                .hasMessageContaining("SECURITY_INTERNAL_TOKEN");
    }

    @Test
    void internalCallsNeedTheTokenWhenOneIsSet() {
        ApiKeys keys = ApiKeys.from(props(KEY_A + "=acme", null, "the-internal-token"));
        assertThat(keys.internalAllowed("the-internal-token")).isTrue();
        assertThat(keys.internalAllowed("wrong")).isFalse();
        assertThat(keys.internalAllowed(null)).isFalse();
    }

    @Test
    void propertiesNeverPrintSecrets() {
        assertThat(props(KEY_A + "=acme", null, "the-internal-token").toString())
                .doesNotContain(KEY_A, "the-internal-token");
    }
}
