package dev.csmpipeline.engine.cli;

import dev.csmpipeline.engine.BundleException;
import dev.csmpipeline.engine.BundledModels;
import dev.csmpipeline.engine.ContextSegment;
import dev.csmpipeline.engine.CsmEngine;
import dev.csmpipeline.engine.EngineInfo;
import dev.csmpipeline.engine.EngineOptions;
import dev.csmpipeline.engine.EngineRejectedException;
import dev.csmpipeline.engine.SpeechPrompt;
import dev.csmpipeline.engine.Synthesis;
import dev.csmpipeline.engine.SynthesisControl;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code bin/say}: text to a WAV file with the CSM engine, for people.
 *
 * <pre>
 * say "Hello from Maya" --out hello.wav [--speaker 0] [--model DIR] [--max-ms 10000] [--temperature 0.9]
 *     [--top-k 50] [--seed 42] [--device auto|cpu|cuda] [--threads 0]
 *     [--voice clip.wav --transcript "what the clip says" [--voice-speaker N]]
 * </pre>
 *
 * Without {@code --model} (or CSM_MODEL_DIR) it uses the tiny random model shipped in the engine jar, whose output
 * is not speech, and says so.
 */
public final class Say {

    static final String USAGE = """
            usage: say TEXT --out FILE.wav [options]
              --out FILE          WAV file to write (16-bit PCM mono, 24 kHz)
              --speaker N         speaker id, written as [N] before the text (default 0)
              --model DIR         model bundle exported by tools/csm-export (default: $CSM_MODEL_DIR, else the
                                  tiny random test model, which does not produce speech)
              --max-ms MS         longest audio to generate, in milliseconds (default 10000; 80 ms per frame)
              --temperature T     sampling temperature, 0 = greedy (default: the model's, 0.9 for csm-1b)
              --top-k K           ids kept before sampling, 1 = greedy (default: the model's, 50 for csm-1b)
              --seed S            sampler seed; the same seed gives the same audio (default: random, printed)
              --device D          auto, cpu or cuda (default auto)
              --threads N         ONNX Runtime intra-op threads, 0 = one per core (default 0)
              --voice FILE.wav    a reference clip (24 kHz PCM WAV, 1-30 s; channels are averaged) to speak like:
                                  encoded with the model's Mimi encoder and put before the text as context
              --transcript TEXT   what the --voice clip says (required with --voice)
              --voice-speaker N   speaker id of the clip (default: --speaker)
            """;

    private Say() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err, System.getenv()));
    }

    /** Runs the command; returns the process exit code (0 ok, 2 usage error, 1 failure). */
    public static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        Options o;
        try {
            o = Options.parse(args, env);
        } catch (IllegalArgumentException e) {
            err.println("say: " + e.getMessage());
            err.print(USAGE);
            return 2;
        }
        if (o.help) {
            out.print(USAGE);
            return 0;
        }
        Path model = o.model;
        if (model == null) {
            err.println("say: WARNING: no --model and no CSM_MODEL_DIR: using the tiny random test model; its "
                    + "output is NOT speech. Export CSM-1B with tools/csm-export and pass --model DIR.");
            model = BundledModels.tinyRandom();
        }
        long t0 = System.nanoTime();
        try (CsmEngine engine = CsmEngine.load(model, new EngineOptions(o.device, o.threads, 1, 0))) {
            EngineInfo info = engine.info();
            double temperature = o.temperature != null ? o.temperature
                    : engine.manifest().generation().defaultTemperature();
            int topK = o.topK != null ? o.topK : engine.manifest().generation().defaultTopK();
            int maxFrames = (int) Math.floor(o.maxMs / engine.manifest().audio().frameMs());
            if (maxFrames < 1) {
                err.println("say: --max-ms " + o.maxMs + " is shorter than one frame ("
                        + engine.manifest().audio().frameMs() + " ms)");
                return 2;
            }
            SpeechPrompt prompt = new SpeechPrompt(o.text, o.speaker, maxFrames, temperature, topK, o.seed);
            if (o.voice != null) {
                float[] clip = VoiceClip.read(o.voice, engine.info().sampleRate());
                prompt = prompt.withContext(List.of(new ContextSegment(o.voiceSpeaker != null ? o.voiceSpeaker
                        : o.speaker, o.transcript, engine.encodeAudio(clip))), true);
            }
            long t1 = System.nanoTime();
            Synthesis s = engine.synthesize(prompt, SynthesisControl.NONE);
            double synthSeconds = (System.nanoTime() - t1) / 1e9;
            Path parent = o.out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            WavFile.write(o.out, s.pcm(), s.sampleRate());
            out.printf(Locale.ROOT, "wrote %s: %.2f s of audio, %d frames (%s), model %s (%s) on %s, temperature %s, "
                    + "top-k %d, seed %d, synthesis %.2f s (real-time factor %.2f), load %.2f s%n", o.out,
                    s.durationMs() / 1000.0, s.frames(), s.stopReason() == Synthesis.StopReason.END_OF_AUDIO
                            ? "end of audio" : "frame cap", info.modelName(), info.modelKind(), info.device(),
                    temperature, topK, o.seed, synthSeconds,
                    s.durationMs() > 0 ? synthSeconds * 1000 / s.durationMs() : 0.0, (t1 - t0) / 1e9);
            if (s.contextFrames() > 0) {
                out.printf(Locale.ROOT, "voice %s: %d frames of context, prompt %d positions%n", o.voice,
                        s.contextFrames(), s.promptPositions());
            }
            if (info.producesNoSpeech()) {
                err.println("say: WARNING: model " + info.modelName() + " has random weights: " + o.out
                        + " is noise, not speech");
            }
            return 0;
        } catch (EngineRejectedException e) {
            err.println("say: the engine rejected this text: " + e.getMessage());
            return 1;
        } catch (BundleException e) {
            err.println("say: " + e.getMessage());
            return 1;
        } catch (VoiceClip.UnreadableClipException e) {
            err.println("say: --voice " + o.voice + ": " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("say: cannot write " + o.out + ": " + e.getMessage());
            return 1;
        } catch (IllegalStateException e) {
            err.println("say: " + e.getMessage());
            return 1;
        }
    }

    /** Parsed command line; every rule names the option. */
    private static final class Options {
        String text;
        Path out;
        int speaker;
        Path model;
        double maxMs = 10_000;
        Double temperature;
        Integer topK;
        long seed = ThreadLocalRandom.current().nextLong(1L << 31);
        String device = "auto";
        int threads;
        Path voice;
        String transcript;
        Integer voiceSpeaker;
        boolean help;

        static Options parse(String[] args, Map<String, String> env) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "-h", "--help" -> o.help = true;
                    case "--out", "-o" -> o.out = Path.of(value(args, ++i, a));
                    case "--speaker" -> o.speaker = integer(args, ++i, a, 0);
                    case "--model" -> o.model = Path.of(value(args, ++i, a));
                    case "--max-ms" -> o.maxMs = number(args, ++i, a);
                    case "--temperature" -> o.temperature = number(args, ++i, a);
                    case "--top-k" -> o.topK = integer(args, ++i, a, 1);
                    case "--seed" -> o.seed = seed(args, ++i, a);
                    case "--device" -> o.device = value(args, ++i, a);
                    case "--threads" -> o.threads = integer(args, ++i, a, 0);
                    case "--voice" -> o.voice = Path.of(value(args, ++i, a));
                    case "--transcript" -> o.transcript = value(args, ++i, a);
                    case "--voice-speaker" -> o.voiceSpeaker = integer(args, ++i, a, 0);
                    default -> {
                        if (a.startsWith("-") && a.length() > 1) {
                            throw new IllegalArgumentException("unknown option " + a);
                        }
                        if (o.text != null) {
                            throw new IllegalArgumentException("give the text as one argument (quote it); found a "
                                    + "second text '" + a + "'");
                        }
                        o.text = a;
                    }
                }
            }
            if (o.help) {
                return o;
            }
            if (o.text == null || o.text.isBlank()) {
                throw new IllegalArgumentException("no text to say");
            }
            if (o.out == null) {
                throw new IllegalArgumentException("--out FILE.wav is required");
            }
            if (!(o.maxMs > 0)) {
                throw new IllegalArgumentException("--max-ms must be more than 0");
            }
            if (o.temperature != null && !(o.temperature >= 0)) {
                throw new IllegalArgumentException("--temperature must be 0 or more");
            }
            if (!o.device.equals("auto") && !o.device.equals("cpu") && !o.device.equals("cuda")) {
                throw new IllegalArgumentException("--device must be auto, cpu or cuda, was " + o.device);
            }
            if (o.voice != null && (o.transcript == null || o.transcript.isBlank())) {
                throw new IllegalArgumentException("--voice needs --transcript: what the clip says");
            }
            if (o.voice == null && (o.transcript != null || o.voiceSpeaker != null)) {
                throw new IllegalArgumentException("--transcript and --voice-speaker go with --voice FILE.wav");
            }
            if (o.model == null) {
                String dir = env.get("CSM_MODEL_DIR");
                if (dir != null && !dir.isBlank()) {
                    o.model = Path.of(dir);
                }
            }
            return o;
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static int integer(String[] args, int i, String option, int min) {
            String v = value(args, i, option);
            try {
                int n = Integer.parseInt(v);
                if (n < min) {
                    throw new IllegalArgumentException(option + " must be at least " + min + ", was " + n);
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be an integer, was '" + v + "'");
            }
        }

        private static long seed(String[] args, int i, String option) {
            String v = value(args, i, option);
            try {
                return Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be an integer, was '" + v + "'");
            }
        }

        private static double number(String[] args, int i, String option) {
            String v = value(args, i, option);
            try {
                return Double.parseDouble(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be a number, was '" + v + "'");
            }
        }
    }
}
