package dev.csmpipeline.bench;

import dev.csmpipeline.testsupport.Clips;
import dev.csmpipeline.testsupport.Http;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What continuity costs a narration: wall time (accepted to assembled) of one narration with 2 workers, every
 * segment conditioned on the same voice (parallel) versus also on the previous segment (one after another),
 * alternating runs after a warm-up of each, medians and their ratio. The fixed-cost stand-in engine takes the same
 * time per frame whatever the prompt, so this isolates the pipeline's share: lost parallelism and the hop per
 * segment; the engine's own cost of the longer prompt is the csm-engine voice benchmark's (docs/BENCHMARKS.md).
 *
 * <p>Arguments: segments (default 12), frame ms (20), runs (3).
 */
public final class NarrationContinuity {

    public static void main(String[] args) throws Exception {
        int segments = args.length > 0 ? Integer.parseInt(args[0]) : 12;
        int frameMs = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        List<String> paragraphs = new ArrayList<>();
        for (int i = 0; i < segments; i++) {
            paragraphs.add("Paragraph " + i + " has exactly ten words in it, no more.");
        }
        try (Harness h = new Harness(4)) {
            h.startStorageService();
            for (int w = 0; w < 2; w++) {
                h.startWorker(Map.of("tts.engine", "fixed-cost", "tts.standin-frame",
                        "PT0." + String.format("%03d", frameMs) + "S"));
            }
            String voice = registerVoice(h);
            String parallel = Http.json(Map.of("paragraphs", paragraphs, "pause_ms", 200, "voice", voice));
            String chained = Http.json(Map.of("paragraphs", paragraphs, "pause_ms", 200, "voice", voice,
                    "continuity", "previous"));
            narrate(h, parallel); // warm-up
            narrate(h, chained);
            List<Double> voiceOnly = new ArrayList<>();
            List<Double> continuity = new ArrayList<>();
            for (int r = 0; r < runs; r++) {
                voiceOnly.add(narrate(h, parallel));
                continuity.add(narrate(h, chained));
            }
            double a = Stats.median(voiceOnly);
            double b = Stats.median(continuity);
            System.out.printf("RESULT narration-voice workers=2 segments=%d wall median=%s s (runs %s)%n", segments,
                    Stats.fmt(a), voiceOnly.stream().map(Stats::fmt).toList());
            System.out.printf("RESULT narration-continuity workers=2 segments=%d wall median=%s s (runs %s)%n",
                    segments, Stats.fmt(b), continuity.stream().map(Stats::fmt).toList());
            System.out.printf("RESULT continuity/voice-only wall ratio=%s%n", Stats.fmt(b / a));
        }
        System.exit(0);
    }

    private static String registerVoice(Harness h) throws Exception {
        Http.Response r = Http.postMultipart(h.ingest.url("/v1/voices"), Map.of("transcript", "A reference clip."),
                "file", "ref.wav", Clips.tones(10, 24_000, 1));
        if (r.status() != 202) {
            throw new IllegalStateException("voice refused: " + r);
        }
        String id = r.json().get("id").asText();
        String state = h.awaitEnd("/v1/voices/" + id, Duration.ofMinutes(2)).path("state").asText();
        if (!"READY".equals(state)) {
            throw new IllegalStateException("voice " + id + " ended " + state);
        }
        return id;
    }

    private static double narrate(Harness h, String body) throws Exception {
        long t0 = System.nanoTime();
        Http.Response r = Http.postJson(h.ingest.url("/v1/narrations"), body);
        if (r.status() != 202) {
            throw new IllegalStateException("narration refused: " + r);
        }
        String id = r.json().get("id").asText();
        String state = h.awaitEnd("/v1/narrations/" + id, Duration.ofMinutes(10)).path("state").asText();
        if (!"SUCCEEDED".equals(state)) {
            throw new IllegalStateException("narration " + id + " ended " + state);
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
