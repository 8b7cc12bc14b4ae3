package dev.csmpipeline.bench;

import dev.csmpipeline.testsupport.Http;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Sync overhead: the latency of {@code POST /generate} minus the engine's own time for that call (the worker reports
 * it, {@code X-Synthesis-Ms}), over a bounded run of sequential calls with the tiny model. What is left is HTTP,
 * Kafka request and reply, storage and events. Warm-up first; p50 and p99 reported.
 *
 * <p>Arguments: calls (default 200), warm-up calls (30), max_audio_length_ms per call (400).
 */
public final class SyncOverhead {

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int maxMs = args.length > 2 ? Integer.parseInt(args[2]) : 400;
        try (Harness h = new Harness(4)) {
            h.startWorker(Map.of("tts.threads", 1));
            List<Double> overhead = new ArrayList<>();
            List<Double> latency = new ArrayList<>();
            List<Double> engine = new ArrayList<>();
            for (int i = 0; i < warmup + calls; i++) {
                Call c = generate(h.ingest.url("/generate"), "Overhead call " + i + ".", maxMs);
                if (i >= warmup) {
                    latency.add(c.ms());
                    engine.add(c.synthesisMs());
                    overhead.add(c.ms() - c.synthesisMs());
                }
            }
            System.out.printf("RESULT sync-overhead calls=%d latency p50=%s p99=%s ms; engine p50=%s ms; "
                            + "overhead p50=%s p99=%s ms%n", calls, Stats.fmt(Stats.quantile(latency, 0.5)),
                    Stats.fmt(Stats.quantile(latency, 0.99)), Stats.fmt(Stats.quantile(engine, 0.5)),
                    Stats.fmt(Stats.quantile(overhead, 0.5)), Stats.fmt(Stats.quantile(overhead, 0.99)));
        }
        System.exit(0);
    }

    /**
     * One {@code /generate} call: its latency at the caller, the engine's own time (X-Synthesis-Ms), its job id and
     * when it was sent (epoch ms).
     */
    record Call(double ms, double synthesisMs, String jobId, long sentAtMs) {
    }

    /** Calls {@code /generate} at {@code url} for {@code text}, speaker 0, at most {@code maxMs} of audio. */
    static Call generate(URI url, String text, int maxMs) {
        long sentAt = System.currentTimeMillis();
        long t0 = System.nanoTime();
        Http.Response r = Http.postJson(url, "{\"text\":\"" + text + "\",\"speaker_id\":0,\"max_audio_length_ms\":"
                + maxMs + "}");
        double ms = (System.nanoTime() - t0) / 1e6;
        if (r.status() != 200) {
            throw new IllegalStateException("generate failed: " + r);
        }
        return new Call(ms, Double.parseDouble(r.header("X-Synthesis-Ms").orElseThrow()),
                r.header("X-Job-Id").orElseThrow(), sentAt);
    }
}
