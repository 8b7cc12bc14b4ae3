package dev.csmpipeline.testsupport;

import dev.csmpipeline.localstack.Ports;
import dev.csmpipeline.storage.client.StorageSettings;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A pipeline service started in this JVM against a {@link PipelineInfra}, on its own loopback port. Several
 * services (or several instances of one) can run side by side; each has its own application context.
 */
public final class RunningService implements AutoCloseable {

    private final ConfigurableApplicationContext context;
    private final int port;

    /**
     * The services' own warm-up settings (WARMUP_CALLS, WARMUP_COMPILER_SETTLE, WARMUP_FULL_CALL_MS defaults), for
     * tests of the warm-up.
     */
    public static final Map<String, Object> FULL_WARM_UP = Map.of("warmup.calls", 6, "warmup.compiler-settle", "5s",
            "warmup.full-call-ms", 10_000);

    private RunningService(ConfigurableApplicationContext context, int port) {
        this.context = context;
        this.port = port;
    }

    /**
     * Starts {@code app} with the infrastructure's addresses and {@code overrides} (property names, e.g.
     * {@code worker.id}). Topics already exist, so the service does not create them. The start-up warm-up is kept
     * short (one short call, no full-length one, no wait for the compiler: tests start dozens of services on two
     * cores); the tests of the
     * warm-up itself override that with {@link #FULL_WARM_UP}.
     */
    public static RunningService start(SpringApplicationBuilder app, PipelineInfra infra,
                                       Map<String, Object> overrides) {
        int port = Ports.freePort();
        StorageSettings s3 = infra.storageSettings();
        Map<String, Object> props = new HashMap<>();
        props.put("server.port", port);
        props.put("server.address", Ports.LOOPBACK);
        props.put("spring.kafka.bootstrap-servers", infra.kafkaBootstrapServers());
        props.put("s3.endpoint", s3.endpoint().toString());
        props.put("s3.access-key", s3.accessKey());
        props.put("s3.secret-key", s3.secretKey());
        props.put("s3.bucket", s3.bucket());
        props.put("tts.create-topics", false);
        props.put("spring.kafka.streams.state-dir", System.getProperty("java.io.tmpdir") + "/csm-test-state-" + port);
        props.put("warmup.calls", 1);
        props.put("warmup.compiler-settle", "0s");
        props.put("warmup.full-call-ms", 0);
        props.putAll(overrides);
        // As command-line arguments: they outrank the services' own configuration files.
        String[] args = props.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue())
                .toArray(String[]::new);
        ConfigurableApplicationContext context = app.run(args);
        return new RunningService(context, port);
    }

    public URI url(String path) {
        return URI.create("http://" + Ports.LOOPBACK + ":" + port + path);
    }

    public int port() {
        return port;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public ConfigurableApplicationContext context() {
        return context;
    }

    @Override
    public void close() {
        context.close();
    }
}
