package dev.csmpipeline.bench;

import dev.csmpipeline.testsupport.Http;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A sync call during a full bulk batch: the latency of sequential {@code POST /generate} calls (5 frames) on an idle
 * worker, then while the worker's bulk rows are all taken by long jobs, real engine. At {@code WORKER_BATCH=4} the
 * call joins the running batch through the row kept for sync calls; at {@code WORKER_BATCH=1} (for contrast) it
 * waits for the bulk job in hand to end. A loaded call is counted only if, as it is sent, as many bulk jobs are
 * RUNNING as the worker has bulk rows; a backlog of bulk jobs keeps them taken. Each round starts a fresh worker of
 * each variant in turn; warm-up calls first in each phase; medians, p90 and the ratio loaded / alone reported.
 *
 * <p>Arguments: calls per phase at batch 4 (default 30), at batch 1 (8), warm-up calls per phase (3), rounds (2),
 * audio of a bulk job in ms (30000), model directory (empty: the tiny bundled model), ONNX Runtime threads (2).
 */
public final class SyncUnderBatch {

    private static final int SYNC_MS = 400; // 5 frames
    private static final int[] BATCHES = {4, 1};

    public static void main(String[] args) throws Exception {
        int callsBatched = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int callsSingle = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int warmup = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        int bulkMs = args.length > 4 ? Integer.parseInt(args[4]) : 30_000;
        String modelDir = args.length > 5 ? args[5] : "";
        int threads = args.length > 6 ? Integer.parseInt(args[6]) : 2;
        Map<String, List<SyncOverhead.Call>> calls = new LinkedHashMap<>();
        try (Harness h = new Harness(4)) {
            for (int round = 0; round < rounds; round++) {
                for (int batch : BATCHES) {
                    int n = batch > 1 ? callsBatched : callsSingle;
                    Map<String, Object> props = new LinkedHashMap<>(Map.of("worker.batch", batch,
                            "tts.threads", threads));
                    if (!modelDir.isEmpty()) {
                        props.put("csm.model-dir", modelDir);
                    }
                    h.startWorker(props);
                    try {
                        h.awaitWorkersAssigned();
                        List<SyncOverhead.Call> alone = sequence(h, warmup, n, "alone");
                        List<SyncOverhead.Call> loaded = underFullBatch(h, batch, warmup, n, bulkMs);
                        print("round " + (round + 1) + " batch=" + batch, alone, loaded);
                        calls.computeIfAbsent(batch + " alone", k -> new ArrayList<>()).addAll(alone);
                        calls.computeIfAbsent(batch + " loaded", k -> new ArrayList<>()).addAll(loaded);
                    } finally {
                        h.stopWorkers();
                    }
                }
            }
        }
        for (int batch : BATCHES) {
            print("RESULT sync-under-batch batch=" + batch, calls.get(batch + " alone"), calls.get(batch + " loaded"));
        }
        System.exit(0);
    }

    /** {@code warmup} untimed calls, then {@code n} timed ones, one after another. */
    private static List<SyncOverhead.Call> sequence(Harness h, int warmup, int n, String tag) {
        List<SyncOverhead.Call> out = new ArrayList<>();
        for (int i = 0; i < warmup + n; i++) {
            SyncOverhead.Call c = SyncOverhead.generate(h.ingest.url("/generate"), "Sync call " + tag + " " + i + ".",
                    SYNC_MS);
            if (i >= warmup) {
                out.add(c);
            }
        }
        return out;
    }

    /**
     * Fills the worker's {@code batch} bulk rows with long jobs (and a backlog that refills them), then times
     * {@code n} sync calls, each sent while every bulk row is running; cancels the bulk jobs left.
     */
    private static List<SyncOverhead.Call> underFullBatch(Harness h, int batch, int warmup, int n, int bulkMs)
            throws InterruptedException {
        // At batch 1 every call waits for one bulk job, so each call uses one up; at batch 4 a few refills suffice.
        int backlog = batch > 1 ? 2 * batch : warmup + n + 1;
        List<String> bulk = new ArrayList<>();
        for (int i = 0; i < batch + backlog; i++) {
            bulk.add(h.submit("{\"text\":\"Long bulk job " + i + " keeps a row busy.\",\"max_audio_length_ms\":"
                    + bulkMs + ",\"seed\":" + (i + 1) + "}"));
        }
        List<SyncOverhead.Call> out = new ArrayList<>();
        int sent = 0;
        int skipped = 0;
        while (out.size() < n) {
            int running = awaitRunning(h, bulk, batch);
            if (running < batch) {
                throw new IllegalStateException("the bulk backlog ran out after " + out.size() + " calls; raise the "
                        + "bulk job length");
            }
            SyncOverhead.Call c = SyncOverhead.generate(h.ingest.url("/generate"), "Sync call loaded " + sent + ".",
                    SYNC_MS);
            if (sent++ >= warmup) {
                out.add(c);
            } else {
                skipped++;
            }
        }
        for (String id : bulk) {
            Http.delete(h.ingest.url("/v1/jobs/" + id));
        }
        for (String id : bulk) {
            h.awaitEnd("/v1/jobs/" + id, Duration.ofMinutes(5));
        }
        System.out.printf("  batch=%d loaded phase: %d bulk jobs of %d ms, %d warm-up calls%n", batch, bulk.size(),
                bulkMs, skipped);
        return out;
    }

    /** Waits (up to 30 s) until {@code batch} of the bulk jobs are RUNNING; returns how many are. */
    private static int awaitRunning(Harness h, List<String> bulk, int batch) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        int running;
        do {
            running = 0;
            for (String id : bulk) {
                String state = Http.get(h.ingest.url("/v1/jobs/" + id)).json().path("state").asText();
                running += "RUNNING".equals(state) ? 1 : 0;
            }
            if (running >= batch) {
                return running;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < end);
        return running;
    }

    private static void print(String label, List<SyncOverhead.Call> alone, List<SyncOverhead.Call> loaded) {
        List<Double> a = alone.stream().map(SyncOverhead.Call::ms).toList();
        List<Double> l = loaded.stream().map(SyncOverhead.Call::ms).toList();
        System.out.printf("%s alone: n=%d p50=%.1f p90=%.1f ms (engine p50 %.1f ms); during full batch: n=%d p50=%.1f "
                        + "p90=%.1f ms (engine p50 %.1f ms); ratio p50=%.2f p90=%.2f%n", label, a.size(),
                Stats.median(a), Stats.quantile(a, 0.9), Stats.median(alone.stream()
                        .map(SyncOverhead.Call::synthesisMs).toList()), l.size(), Stats.median(l),
                Stats.quantile(l, 0.9), Stats.median(loaded.stream().map(SyncOverhead.Call::synthesisMs).toList()),
                Stats.median(l) / Stats.median(a), Stats.quantile(l, 0.9) / Stats.quantile(a, 0.9));
    }
}
