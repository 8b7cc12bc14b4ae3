package dev.csmpipeline.bench;

import dev.csmpipeline.testsupport.Http;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Narration scaling: wall time of one narration (accepted to assembled) with 1 and then 2 workers, with the
 * fixed-cost stand-in engine; the ratio is the speed-up the second worker brings. Warm-up, repeated runs, median.
 *
 * <p>Arguments: segments (default 24), frame ms (20), runs (3).
 */
public final class NarrationScaling {

    public static void main(String[] args) throws Exception {
        int segments = args.length > 0 ? Integer.parseInt(args[0]) : 24;
        int frameMs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> paragraphs = new ArrayList<>();
        for (int i = 0; i < segments; i++) {
            paragraphs.add("Paragraph " + i + " has exactly ten words in it, no more.");
        }
        String body = Http.json(Map.of("paragraphs", paragraphs, "pause_ms", 200));
        double[] medians = new double[3];
        try (Harness h = new Harness(4)) {
            h.startStorageService();
            for (int workers = 1; workers <= 2; workers++) {
                h.startWorker(Map.of("tts.engine", "fixed-cost", "tts.standin-frame",
                        "PT0." + String.format("%03d", frameMs) + "S"));
                h.narrate(body); // warm-up
                List<Double> seconds = new ArrayList<>();
                for (int r = 0; r < runs; r++) {
                    seconds.add(h.narrate(body));
                }
                medians[workers] = Stats.median(seconds);
                System.out.printf("RESULT narration workers=%d segments=%d wall median=%s s (runs %s)%n", workers,
                        segments, Stats.fmt(medians[workers]), seconds.stream().map(Stats::fmt).toList());
            }
        }
        System.out.printf("RESULT narration-scaling 1->2 workers speed-up=%s (ideal 2.00)%n",
                Stats.fmt(medians[1] / medians[2]));
        System.exit(0);
    }
}
