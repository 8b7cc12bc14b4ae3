package dev.csmpipeline.service;

import dev.csmpipeline.model.AudioFormat;
import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobIds;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.kafka.core.ProducerFactory;

/**
 * Does, once at start-up, what a service's first request would otherwise pay for: creating each producer (an
 * idempotent or transactional producer also gets its producer id from the broker as it starts), fetching the
 * metadata of each topic it writes, and the object store's first connection. It runs when every bean exists and
 * before the context starts its lifecycle beans, so before the web server listens and before a worker's listener
 * containers take a record: a service reports ready only after it. A step that fails is logged and skipped; the
 * request that needs it pays for it as it would have without the warm-up.
 */
public final class StartupWarmUp implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(StartupWarmUp.class);
    /** An object that never exists: its HEAD answers 404 after the same connection, signing and parsing as a hit. */
    static final String STORAGE_PROBE_KEY = "warm-up/startup-probe";

    /** One thing to do before the first request. */
    public record Step(String name, Runnable action) {
    }

    private final List<Step> steps;

    public StartupWarmUp(List<Step> steps) {
        this.steps = List.copyOf(steps);
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
     * audio inline): the wire codec builds its serializer and deserializer of a type on first use, and the first
     * decode of a reply took longer than the rest of the call.
     */
    public static Step wireCodecs() {
        return new Step("wire codecs", () -> {
            Instant now = Instant.now();
            String jobId = JobIds.newId(now);
            SynthesisRequest request = new SynthesisRequest(jobId, JobKind.SYNC, "Warming up.", 0, 400, null,
                    AudioFormat.WAV, "warm-up", now, now.plusSeconds(10), null, null, null);
            byte[] wav = Wav.encode(new float[1_920], 24_000);
            AudioResult result = new AudioResult(ObjectKeys.audio(jobId), 80, 24_000, wav.length,
                    ObjectStorage.sha256Hex(wav), 1, 1L);
            List<Object> messages = List.of(request, JobEvent.accepted(request, now),
                    JobEvent.started(request, "warm-up", "warm-up", "cpu", now),
                    JobEvent.succeeded(request, "warm-up", "warm-up", result, now),
                    SynthesisReply.succeeded(jobId, result, wav, "warm-up"));
            for (Object message : messages) {
                WireJson.decode(WireJson.encode(message), message.getClass());
            }
        });
    }

    /** One HEAD request to the object store. */
    public static Step storage(ObjectStorage storage) {
        return new Step("storage", () -> storage.stat(STORAGE_PROBE_KEY));
    }

    @Override
    public void afterSingletonsInstantiated() {
        long start = System.nanoTime();
        for (Step step : steps) {
            long t0 = System.nanoTime();
            try {
                step.action().run();
                log.info("event=warm_up_step step=\"{}\" took_ms={}", step.name(),
                        (System.nanoTime() - t0) / 1_000_000);
            } catch (RuntimeException e) {
                log.warn("event=warm_up_step_failed step=\"{}\" took_ms={} reason=\"{}\": the first request that "
                        + "needs it pays for it instead", step.name(), (System.nanoTime() - t0) / 1_000_000, e);
            }
        }
        log.info("event=warm_up_done steps={} took_ms={}", steps.size(), (System.nanoTime() - start) / 1_000_000);
    }
}
