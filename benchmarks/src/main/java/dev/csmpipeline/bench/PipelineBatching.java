package dev.csmpipeline.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Batching through the pipeline: jobs per second through the whole pipeline (API, Kafka, worker, storage, events)
 * with the real engine, one worker, {@code WORKER_BATCH=1} against {@code WORKER_BATCH=4}, the same seeded jobs in
 * both. Each run gets a freshly started worker of its variant (the worker warms its engine before it takes a job);
 * one discarded run of each variant first, then the variants alternate, so the load of a shared machine falls on
 * both. Medians and the ratio batch 4 / batch 1 reported.
 *
 * <p>Arguments: frames per job (default 60), jobs per run (16), runs per variant (3), model directory (empty: the
 * tiny random model bundled in the engine jar), ONNX Runtime threads (2).
 */
public final class PipelineBatching {

    private static final String[] TEXTS = {
        "The quick brown fox jumps over the lazy dog.",
        "Batching lets several jobs share every step of the model.",
        "A worker reads its weights once for all the rows of a batch.",
        "Short and long prompts are padded on the left to one length.",
    };
    private static final int[] BATCHES = {1, 4};

    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int jobs = args.length > 1 ? Integer.parseInt(args[1]) : 16;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        String modelDir = args.length > 3 ? args[3] : "";
        int threads = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            bodies.add(String.format("{\"text\":\"%s\",\"max_audio_length_ms\":%d,\"seed\":%d}",
                    TEXTS[i % TEXTS.length], frames * 80, i + 1));
        }
        System.out.printf("model=%s threads=%d jobs=%d frames_cap=%d%n", modelDir.isEmpty() ? "tiny (bundled)"
                : modelDir, threads, jobs, frames);
        Map<Integer, List<Double>> rates = new LinkedHashMap<>();
        Map<Integer, List<Double>> frameRates = new LinkedHashMap<>();
        try (Harness h = new Harness(4)) {
            for (int round = -1; round < runs; round++) {
                for (int batch : BATCHES) {
                    Harness.Run run = runWith(h, batch, threads, modelDir, bodies);
                    System.out.printf("%s batch=%d jobs=%d frames=%d seconds=%.2f jobs/s=%.3f frames/s=%.1f%n",
                            round < 0 ? "warm-up" : "run " + (round + 1), batch, run.jobs(), run.frames(),
                            run.seconds(), run.jobsPerSecond(), run.frames() / run.seconds());
                    if (round >= 0) {
                        rates.computeIfAbsent(batch, b -> new ArrayList<>()).add(run.jobsPerSecond());
                        frameRates.computeIfAbsent(batch, b -> new ArrayList<>()).add(run.frames() / run.seconds());
                    }
                }
            }
        }
        for (int batch : BATCHES) {
            System.out.printf("RESULT pipeline-batching batch=%d jobs/s median=%.3f (runs %s) frames/s median=%.1f%n",
                    batch, Stats.median(rates.get(batch)), rates.get(batch).stream().map(r -> String.format("%.3f", r))
                            .toList(), Stats.median(frameRates.get(batch)));
        }
        System.out.printf("RESULT pipeline-batching ratio batch4/batch1 jobs/s=%.2f%n",
                Stats.median(rates.get(4)) / Stats.median(rates.get(1)));
        System.exit(0);
    }

    /** Starts one worker of {@code batch}, runs the jobs through it, stops it. */
    private static Harness.Run runWith(Harness h, int batch, int threads, String modelDir, List<String> bodies)
            throws InterruptedException {
        Map<String, Object> props = new LinkedHashMap<>(Map.of("worker.batch", batch, "tts.threads", threads));
        if (!modelDir.isEmpty()) {
            props.put("csm.model-dir", modelDir);
        }
        h.startWorker(props);
        try {
            h.awaitWorkersAssigned();
            return h.runJobs(bodies);
        } finally {
            h.stopWorkers();
        }
    }
}
