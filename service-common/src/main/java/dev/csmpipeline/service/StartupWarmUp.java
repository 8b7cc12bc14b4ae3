package dev.csmpipeline.service;

import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.JobStatusFold;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Does, once at start-up, what a service's first request would otherwise pay for: creating each producer (an
 * idempotent or transactional producer also gets its producer id from the broker as it starts), fetching the
 * metadata of each topic it writes, the object store's first connection, and calls through the service's own
 * request path ({@link WarmUp}). Two phases: the steps {@code beforeStart} run when every bean exists and before the
 * context starts its lifecycle beans, so before the web server listens and before a worker's listener containers
 * take a record; the steps {@code beforeReady} run once the web server listens (calls to the service itself) and
 * before the service reports ready (readiness turns UP after the application runners). A step that fails is logged
 * and skipped; the request that needs it pays for it as it would have without the warm-up.
 */
public final class StartupWarmUp implements SmartInitializingSingleton, ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(StartupWarmUp.class);
    /** An object that never exists: its HEAD answers 404 after the same connection, signing and parsing as a hit. */
    static final String STORAGE_PROBE_KEY = "warm-up/startup-probe";

    /** One thing to do before the first request. */
    public record Step(String name, Runnable action) {
    }

    /** How often {@link #compilerSettled} looks at the compile queue, and how many idle looks in a row it wants. */
    private static final Duration COMPILER_QUEUE_POLL = Duration.ofMillis(50);
    private static final int COMPILER_IDLE_LOOKS = 2;
    /** Without the queue: how often it looks at the total compile time (which it then wants unchanged). */
    private static final Duration COMPILER_POLL = Duration.ofMillis(200);

    private final List<Step> beforeStart;
    private final List<Step> beforeReady;

    public StartupWarmUp(List<Step> beforeStart) {
        this(beforeStart, List.of());
    }

    public StartupWarmUp(List<Step> beforeStart, List<Step> beforeReady) {
        this.beforeStart = List.copyOf(beforeStart);
        this.beforeReady = List.copyOf(beforeReady);
    }

    /** Creates {@code factory}'s producer and fetches the metadata of each of {@code topics}. */
    public static Step producer(String name, ProducerFactory<?, ?> factory, String... topics) {
        return new Step("producer " + name + " " + String.join(",", topics), () -> {
            // Closing a factory's producer hands it back to the factory (shared or cached), it stays open.
            try (Producer<?, ?> producer = factory.createProducer()) {
                for (String topic : topics) {
                    producer.partitionsFor(topic);
                }
            }
        });
    }

    /**
     * Encodes and decodes one of each message of a sync call's round trip (the request, its events, a reply with
     * audio inline) and the status the ingest API's status table folds from those events: the wire codec builds its
     * serializer and deserializer of a type on first use (a cold start's first call showed the status table's thread
     * introspecting {@link JobStatus} in the middle of it), and the first decode of a reply took longer than the rest
     * of the call.
     */
    public static Step wireCodecs() {
        return new Step("wire codecs", () -> {
            Instant now = Instant.now();
            SynthesisRequest request = WarmUp.syncRequest(0, now);
            String jobId = request.jobId();
            byte[] wav = Wav.encode(new float[1_920], 24_000);
            AudioResult result = new AudioResult(ObjectKeys.audio(jobId), 80, 24_000, wav.length,
                    ObjectStorage.sha256Hex(wav), 1, 1L);
            List<JobEvent> events = List.of(JobEvent.accepted(request, now),
                    JobEvent.started(request, "warm-up", "warm-up", "cpu", now),
                    JobEvent.succeeded(request, "warm-up", "warm-up", result, now));
            JobStatus status = JobStatus.unknown(null);
            for (JobEvent event : events) {
                status = JobStatusFold.apply(status, event);
            }
            List<Object> messages = new ArrayList<>(List.of(request, SynthesisReply.succeeded(jobId, result, wav,
                    "warm-up"), status));
            messages.addAll(events);
            for (Object message : messages) {
                WireJson.decode(WireJson.encode(message), message.getClass());
            }
        });
    }

    /** One HEAD request to the object store. */
    public static Step storage(ObjectStorage storage) {
        return new Step("storage", () -> storage.stat(STORAGE_PROBE_KEY));
    }

    /**
     * Waits, at most {@code max}, until the JIT compiler is idle: no method being compiled and none queued, in two
     * looks a poll apart (HotSpot's {@code Compiler.queue} diagnostic command; {@link CompileQueue}). The warm-up
     * calls before this queue compilations of the code they ran, C2's of a large method take 50-150 ms each, and on
     * a machine of two cores they would otherwise take the CPU from the first real requests: a cold start's first
     * call measured with 60-150 ms of compiler CPU in the ingest API against 13-20 ms in the calls after it, when an
     * earlier version of this wait took a compiler that had finished no compilation for 200 ms as quiet (the total
     * compile time moves only when a compilation ends, so a long one looked like silence). Where the command is not
     * there (not HotSpot), the same wait on that total instead.
     */
    public static Step compilerSettled(Duration max) {
        return new Step("compiler settled", () -> {
            if (max.isZero()) {
                return;
            }
            CompileQueue queue = CompileQueue.ofThisJvm();
            Duration poll = queue.exact() ? COMPILER_QUEUE_POLL : COMPILER_POLL;
            int[] idleLooks = {0};
            // The first look waits a poll too: the calls just before this may not have queued their compilations yet.
            pause(poll);
            awaitUntil(() -> (idleLooks[0] = queue.idle() ? idleLooks[0] + 1 : 0) >= COMPILER_IDLE_LOOKS, max, poll,
                    () -> "the compiler was still busy after " + max.toMillis() + " ms: " + queue.describe());
        });
    }

    /**
     * Polls {@code done} every {@code poll} until it is true; after {@code timeout}, fails with {@code whyNot}'s
     * words (a step that fails is logged and skipped, {@link #runAll}). What the warm-up steps wait on: the compiler,
     * a status table, a consumer's assignment, a job's end.
     */
    public static void awaitUntil(BooleanSupplier done, Duration timeout, Duration poll, Supplier<String> whyNot) {
        long giveUpAt = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > giveUpAt) {
                throw new IllegalStateException(whyNot.get());
            }
            pause(poll);
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while warming up", e);
        }
    }

    /**
     * A full collection: the garbage of the start-up and of the warm-up calls is collected before the first request
     * rather than in the middle of it (the services run the serial collector, whose pauses stop every thread).
     */
    public static Step garbageCollected() {
        return new Step("garbage collected", System::gc);
    }

    /** What a service does last before it reports ready: {@link #compilerSettled}, then {@link #garbageCollected}. */
    public static List<Step> settled(Duration compilerMax) {
        return List.of(compilerSettled(compilerMax), garbageCollected());
    }

    @Override
    public void afterSingletonsInstantiated() {
        runAll(beforeStart, "before_start");
    }

    @Override
    public void run(ApplicationArguments args) {
        if (!beforeReady.isEmpty()) {
            runAll(beforeReady, "before_ready");
        }
    }

    private static void runAll(List<Step> steps, String phase) {
        long start = System.nanoTime();
        for (Step step : steps) {
            long t0 = System.nanoTime();
            try {
                step.action().run();
                log.info("event=warm_up_step phase={} step=\"{}\" took_ms={}", phase, step.name(),
                        (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException e) {
                // The reason as a value, not as a throwable: a throwable given last fills no placeholder.
                log.warn("event=warm_up_step_failed phase={} step=\"{}\" took_ms={} reason=\"{}\": the first "
                        + "request that needs it pays for it instead", phase, step.name(),
                        (System.nanoTime() - t0) / 1_000_000, e.toString());
            }
        }
        log.info("event=warm_up_done phase={} steps={} took_ms={}", phase, steps.size(),
                (System.nanoTime() - start) / 1_000_000);
    }
}
