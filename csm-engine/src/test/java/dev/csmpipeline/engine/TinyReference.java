package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The committed transformers reference outputs of the tiny model ({@code src/test/resources/tiny-csm-reference},
 * layout in docs/BUNDLE-FORMAT.md, "Reference outputs"), read-only.
 */
final class TinyReference {

    static final Path BUNDLE = Path.of("src/test/resources/tiny-csm");
    static final Path DIR = Path.of("src/test/resources/tiny-csm-reference");

    private static JsonNode root;

    /** One reference prompt. */
    record Prompt(int index, int speaker, String text, long[] tokenIds, int maxNewFrames, List<int[]> frames,
            boolean stoppedEarly, Integer stopFrameIndex, int numAudioFrames, String pcmFile) {

        float[] pcm() {
            return floats(pcmFile);
        }

        /** The greedy request transformers answered: argmax for every codebook, its frame cap. */
        SpeechPrompt greedyRequest() {
            return new SpeechPrompt(text, speaker, maxNewFrames, 0.0, 1, 0L);
        }

        @Override
        public String toString() {
            return "prompt " + index + " [" + speaker + "]" + text;
        }
    }

    static synchronized JsonNode json() {
        if (root == null) {
            try {
                root = JsonMapper.builder().build().readTree(Files.readString(DIR.resolve("reference.json")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return root;
    }

    static List<Prompt> prompts() {
        List<Prompt> out = new ArrayList<>();
        for (JsonNode p : json().get("prompts")) {
            long[] ids = new long[p.get("token_ids").size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = p.get("token_ids").get(i).longValue();
            }
            List<int[]> frames = new ArrayList<>();
            for (JsonNode f : p.get("frames")) {
                int[] codes = new int[f.size()];
                for (int k = 0; k < codes.length; k++) {
                    codes[k] = f.get(k).intValue();
                }
                frames.add(codes);
            }
            JsonNode stop = p.get("stop_frame_index");
            out.add(new Prompt(p.get("index").intValue(), p.get("speaker").intValue(), p.get("text").stringValue(),
                    ids, p.get("max_new_frames").intValue(), frames, p.get("stopped_early").booleanValue(),
                    stop == null || stop.isNull() ? null : stop.intValue(), p.get("num_audio_frames").intValue(),
                    p.get("pcm").get("file").stringValue()));
        }
        return out;
    }

    /** A synthetic context clip and its codes from transformers' {@code codec_model.encode}. */
    record Clip(String name, String pcmFile, List<int[]> codes) {

        float[] pcm() {
            return floats(pcmFile);
        }
    }

    /** A prompt conditioned on context segments, with its token grid and greedy output. */
    record ContextPrompt(int index, List<ContextRef> context, int speaker, String text, int promptPositions,
            int contextFrames, long[][] gridTokens, boolean[][] gridMask, int maxNewFrames, List<int[]> frames,
            boolean stoppedEarly, int numAudioFrames, String pcmFile) {

        float[] pcm() {
            return floats(pcmFile);
        }

        /** The greedy request with each segment's audio as transformers' codes of its clip. */
        SpeechPrompt greedyRequest() {
            List<ContextSegment> segments = new ArrayList<>();
            for (ContextRef c : context) {
                segments.add(new ContextSegment(c.speaker(), c.text(), clip(c.clip()).codes()));
            }
            return new SpeechPrompt(text, speaker, maxNewFrames, 0.0, 1, 0L).withContext(segments, false);
        }

        @Override
        public String toString() {
            return "context prompt " + index + " (" + context.size() + " segment(s)) [" + speaker + "]" + text;
        }
    }

    /** One context segment of a reference prompt: who, what, and which clip. */
    record ContextRef(int speaker, String text, String clip) {
    }

    static List<Clip> clips() {
        List<Clip> out = new ArrayList<>();
        for (JsonNode c : json().get("clips")) {
            out.add(new Clip(c.get("name").stringValue(), c.get("pcm").get("file").stringValue(),
                    frames(c.get("codes"))));
        }
        return out;
    }

    static Clip clip(String name) {
        return clips().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    static List<ContextPrompt> contextPrompts() {
        List<ContextPrompt> out = new ArrayList<>();
        for (JsonNode p : json().get("context_prompts")) {
            List<ContextRef> context = new ArrayList<>();
            for (JsonNode c : p.get("context")) {
                context.add(new ContextRef(c.get("speaker").intValue(), c.get("text").stringValue(),
                        c.get("clip").stringValue()));
            }
            JsonNode gt = p.get("grid_tokens");
            JsonNode gm = p.get("grid_mask");
            long[][] tokens = new long[gt.size()][];
            boolean[][] mask = new boolean[gm.size()][];
            for (int i = 0; i < gt.size(); i++) {
                tokens[i] = new long[gt.get(i).size()];
                mask[i] = new boolean[gm.get(i).size()];
                for (int c = 0; c < tokens[i].length; c++) {
                    tokens[i][c] = gt.get(i).get(c).longValue();
                    mask[i][c] = gm.get(i).get(c).intValue() != 0;
                }
            }
            out.add(new ContextPrompt(p.get("index").intValue(), context, p.get("speaker").intValue(),
                    p.get("text").stringValue(), p.get("prompt_positions").intValue(),
                    p.get("context_frames").intValue(), tokens, mask, p.get("max_new_frames").intValue(),
                    frames(p.get("frames")), p.get("stopped_early").booleanValue(),
                    p.get("num_audio_frames").intValue(), p.get("pcm").get("file").stringValue()));
        }
        return out;
    }

    private static List<int[]> frames(JsonNode list) {
        List<int[]> frames = new ArrayList<>();
        for (JsonNode f : list) {
            int[] codes = new int[f.size()];
            for (int k = 0; k < codes.length; k++) {
                codes[k] = f.get(k).intValue();
            }
            frames.add(codes);
        }
        return frames;
    }

    static Prompt prompt(int index) {
        return prompts().get(index);
    }

    /** A little-endian float32 file of the reference directory. */
    static float[] floats(String file) {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(DIR.resolve(file))).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / Float.BYTES];
            b.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static double maxAbsDiff(float[] a, float[] b, int bOffset, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, Math.abs(a[i] - (double) b[bOffset + i]));
        }
        return max;
    }

    /** The engine's codes equal the reference's, frame by frame, naming the first frame that differs. */
    static void assertFramesEqual(List<int[]> actual, List<int[]> reference) {
        assertThat(actual).hasSameSizeAs(reference);
        for (int f = 0; f < reference.size(); f++) {
            assertThat(actual.get(f)).as("frame %d", f).containsExactly(reference.get(f));
        }
    }

    /** The engine's waveform has the reference's length and is within {@code tolerance} of it everywhere. */
    static void assertPcmWithin(Object prompt, float[] pcm, float[] reference, double tolerance) {
        assertThat(pcm).hasSameSizeAs(reference);
        double diff = maxAbsDiff(pcm, reference, 0, reference.length);
        System.out.printf("parity %s: pcm max|diff| = %.3e%n", prompt, diff);
        assertThat(diff).isLessThanOrEqualTo(tolerance);
    }

    private TinyReference() {
    }
}
