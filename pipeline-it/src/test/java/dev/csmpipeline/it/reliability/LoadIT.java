package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.it.Pipeline;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bounded run of 10,000 async jobs through the pipeline on two batching workers ({@code WORKER_BATCH=4}, the tiny
 * model: real graphs, one frame a job): every job ends, memory returns near its level before, and end-to-end
 * latency is reported.
 */
@WithPipelineInfra(requestPartitions = 4)
class LoadIT {

    private static final int JOBS = Integer.getInteger("load.jobs", 10_000);

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        for (int i = 0; i < 2; i++) {
            p.startWorker(Map.of("worker.id", "load-" + i, "worker.batch", 4, "worker.progress-interval", "PT1S"));
        }
    });

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    @Test
    void tenThousandJobsAllEndAndMemoryComesBack() throws Exception {
        // Warm up, then measure the heap once the services have settled.
        pipeline.awaitJob(pipeline.submit("{\"text\":\"warm up\",\"max_audio_length_ms\":80}"));
        long before = heapAfterGc();

        Set<String> accepted = ConcurrentHashMap.newKeySet();
        AtomicInteger refused = new AtomicInteger();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        long t0 = System.nanoTime();
        for (int i = 0; i < JOBS; i++) {
            int n = i;
            clients.submit(() -> {
                Http.Response r = Http.postJson(pipeline.ingest().url("/v1/jobs"), "{\"text\":\"Load job " + n
                        + " speaks.\",\"max_audio_length_ms\":80}");
                if (r.status() == 202) {
                    accepted.add(r.json().get("id").asText());
                } else {
                    refused.incrementAndGet();
                }
            });
        }
        clients.shutdown();
        assertThat(clients.awaitTermination(10, TimeUnit.MINUTES)).isTrue();
        double submitSeconds = (System.nanoTime() - t0) / 1e9;

        Accounting.Books books = FaultTests.settle("load", pipeline.infra().kafkaBootstrapServers(), accepted,
                Duration.ofMinutes(15));
        double totalSeconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(5_000);
        long after = heapAfterGc();
        System.out.printf("[reliability] load: %d jobs accepted (%d refused) in %.1f s (%.0f/s), all ended in %.1f s;"
                        + " end-to-end latency p50 %d ms, p99 %d ms; heap after GC %d MB before, %d MB after%n",
                accepted.size(), refused.get(), submitSeconds, accepted.size() / submitSeconds, totalSeconds,
                books.latencyQuantile(0.5), books.latencyQuantile(0.99), before >> 20, after >> 20);
        assertThat(accepted).hasSize(JOBS);
        assertThat(books.succeeded()).isEqualTo(JOBS);
        assertThat(after).as("heap after the run, back near its level before")
                .isLessThan((long) (before * 1.5) + (64L << 20));
    }
}
