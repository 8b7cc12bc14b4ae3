package dev.csmpipeline.it.reliability;

import dev.csmpipeline.localstack.ChildService;
import dev.csmpipeline.localstack.Ports;
import dev.csmpipeline.storage.client.StorageSettings;
import dev.csmpipeline.testsupport.PipelineInfra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Workers as child JVMs (the built executable jar), so a fault test can kill one hard (SIGKILL). */
final class ChildWorkers {

    private static final Path WORKER_JAR = Path.of(System.getProperty("worker.jar",
            "../inference-worker/target/inference-worker-exec.jar"));

    private ChildWorkers() {
    }

    /** Starts worker {@code id} on {@code infra} with {@code env} added, and waits until it is ready. */
    static ChildService start(PipelineInfra infra, String id, Map<String, String> env) {
        StorageSettings s3 = infra.storageSettings();
        int port = Ports.freePort();
        Map<String, String> all = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", infra.kafkaBootstrapServers(),
                "S3_ENDPOINT", s3.endpoint().toString(), "S3_ACCESS_KEY", s3.accessKey(),
                "S3_SECRET_KEY", s3.secretKey(), "S3_BUCKET", s3.bucket(),
                "TTS_CREATE_TOPICS", "false", "TTS_THREADS", "1", "WORKER_ID", id,
                "SERVER_PORT", Integer.toString(port)));
        all.put("SERVER_ADDRESS", Ports.LOOPBACK);
        all.put("OPT_OUT_TRACKING", "true");
        all.putAll(env);
        ChildService w = new ChildService(id, WORKER_JAR, port, "/actuator/health/readiness", all,
                List.of("-Xmx384m", "-XX:+UseSerialGC"), System.out);
        w.start();
        w.awaitReady(Duration.ofSeconds(120));
        return w;
    }
}
