package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The tiny bundle's streaming Mimi decoder: decoding frames chunk by chunk, carrying the decoder's state, gives the
 * one-shot decode within 1e-4, across the decoder transformer's sliding window (the tiny Mimi's window is 24
 * positions, 12 frames), and {@link CsmEngine#synthesizeStreaming} hands out the audio while frames are generated.
 */
class StreamingMimiParityTest {

    private static final double TOL = 1e-4;
    private static CsmEngine engine;

    @BeforeAll
    static void load() {
        engine = CsmEngine.load(TinyStreamBundle.path(), EngineOptions.cpu(2));
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static Stream<Arguments> chunkPlans() {
        return Stream.of(Arguments.of("1", new int[] {1}), Arguments.of("2", new int[] {2}),
                Arguments.of("5", new int[] {5}), Arguments.of("mix", new int[] {1, 3, 2, 7, 1, 4}));
    }

    @ParameterizedTest(name = "chunks of {0}")
    @MethodSource("chunkPlans")
    void chunkedDecodeOfRandomCodesEqualsOneShotDecode(String name, int[] plan) {
        List<int[]> frames = randomFrames(41, 7); // 82 decoder positions: the sliding window is passed several times
        float[] oneShot = engine.decodeAudio(frames);
        float[] streamed = engine.decodeAudioStreamed(frames, plan);
        assertThat(streamed).hasSameSizeAs(oneShot);
        assertThat(maxAbsDiff(streamed, oneShot)).isLessThanOrEqualTo(TOL * Math.max(1, maxAbs(oneShot)));
    }

    @ParameterizedTest(name = "chunks of {0}")
    @MethodSource("chunkPlans")
    void chunkedDecodeOfReferenceFramesEqualsTransformersDecode(String name, int[] plan) {
        for (TinyReference.Prompt p : TinyReference.prompts()) {
            List<int[]> audio = p.frames().subList(0, p.numAudioFrames());
            float[] reference = p.pcm();
            float[] streamed = engine.decodeAudioStreamed(audio, plan);
            assertThat(streamed).as(p.toString()).hasSameSizeAs(reference);
            assertThat(maxAbsDiff(streamed, reference)).as(p.toString())
                    .isLessThanOrEqualTo(TOL * Math.max(1, maxAbs(reference)));
        }
    }

    @ParameterizedTest(name = "chunks of {0} frames")
    @MethodSource("chunkSizes")
    void streamedSynthesisDeliversOrderedChunksWhoseConcatenationIsTheOneShotAudio(int chunkFrames) {
        TinyReference.Prompt p = TinyReference.prompt(0);
        Synthesis oneShot = engine.synthesize(p.greedyRequest(), SynthesisControl.NONE);
        AtomicInteger framesDone = new AtomicInteger();
        List<AudioChunk> chunks = new ArrayList<>();
        List<Integer> framesDoneAtChunk = new ArrayList<>();
        SynthesisControl control = new SynthesisControl() {
            @Override
            public void onFrame(int done) {
                framesDone.set(done);
            }
        };
        Synthesis streamed = engine.synthesizeStreaming(p.greedyRequest(), control, chunkFrames, c -> {
            chunks.add(c);
            framesDoneAtChunk.add(framesDone.get());
        });

        assertThat(streamed.frames()).isEqualTo(oneShot.frames()).isGreaterThan(chunkFrames);
        assertThat(chunks).extracting(AudioChunk::sequence)
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, chunks.size()).boxed().toList());
        assertThat(chunks).filteredOn(AudioChunk::last).singleElement().isSameAs(chunks.get(chunks.size() - 1));
        int frame = 0;
        float[] joined = new float[0];
        for (AudioChunk c : chunks) {
            assertThat(c.firstFrame()).isEqualTo(frame);
            assertThat(c.pcm()).hasSize(c.frames() * 1920);
            if (!c.last()) {
                assertThat(c.frames()).isEqualTo(chunkFrames);
            }
            frame += c.frames();
            joined = concat(joined, c.pcm());
        }
        assertThat(frame).isEqualTo(oneShot.frames());
        // the first chunk reaches the listener while later frames are still to be generated
        assertThat(framesDoneAtChunk.get(0)).isLessThan(oneShot.frames());
        assertThat(joined).isEqualTo(streamed.pcm());
        assertThat(maxAbsDiff(joined, oneShot.pcm())).isLessThanOrEqualTo(TOL * Math.max(1, maxAbs(oneShot.pcm())));
    }

    static Stream<Integer> chunkSizes() {
        return Stream.of(1, 2, 5);
    }

    @Test
    void chunkSizeOutsideTheGraphsRangeIsRejectedWithTheRange() {
        TinyReference.Prompt p = TinyReference.prompt(0);
        assertThatThrownBy(() -> engine.synthesizeStreaming(p.greedyRequest(), SynthesisControl.NONE, 0, c -> { }))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("1 to " + engine.maxChunkFrames());
        assertThatThrownBy(() -> engine.synthesizeStreaming(p.greedyRequest(), SynthesisControl.NONE,
                engine.maxChunkFrames() + 1, c -> { })).isInstanceOf(EngineRejectedException.class);
    }

    @Test
    void bundleWithoutTheStreamingGraphLoadsAndSynthesizesButRefusesToStream() {
        // the committed tiny-csm/ has no streaming graph (it lies beside it, see TinyStreamBundle)
        Path dir = TinyReference.BUNDLE;
        TinyReference.Prompt p = TinyReference.prompt(0);
        try (CsmEngine older = CsmEngine.load(dir, EngineOptions.cpu(1))) {
            assertThat(older.canStream()).isFalse();
            assertThat(older.synthesize(p.greedyRequest(), SynthesisControl.NONE).pcm())
                    .isEqualTo(engine.synthesize(p.greedyRequest(), SynthesisControl.NONE).pcm());
            assertThatThrownBy(() -> older.synthesizeStreaming(p.greedyRequest(), SynthesisControl.NONE, 2, c -> { }))
                    .isInstanceOf(EngineRejectedException.class).hasMessageContaining("mimi_decoder_stream")
                    .hasMessageContaining("re-export");
        }
    }

    private static List<int[]> randomFrames(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<int[]> frames = new ArrayList<>();
        for (int f = 0; f < n; f++) {
            int[] codes = new int[32];
            for (int k = 0; k < 32; k++) {
                codes[k] = r.nextInt(2051); // includes the non-audio ids 2048..2050
            }
            frames.add(codes);
        }
        return frames;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        return TinyReference.maxAbsDiff(a, b, 0, a.length);
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
