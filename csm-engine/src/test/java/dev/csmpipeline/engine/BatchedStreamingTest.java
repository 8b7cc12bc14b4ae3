package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streaming through the continuous batch, on the tiny model shipped in the jar (which carries the streaming Mimi
 * decoder): each row's chunks come in order, add up to its frames, concatenate to its audio, and that audio matches
 * the one-shot decode of the same request run alone.
 */
class BatchedStreamingTest {

    static CsmEngine alone;
    static BatchingSpeechEngine batching;

    @BeforeAll
    static void load() {
        alone = CsmEngine.load(BundledModels.tinyRandom(), EngineOptions.cpu(1));
        batching = new BatchingSpeechEngine(CsmEngine.load(BundledModels.tinyRandom(), EngineOptions.cpu(1)), 3);
    }

    @AfterAll
    static void close() {
        if (batching != null) {
            batching.close();
        }
        if (alone != null) {
            alone.close();
        }
    }

    @Test
    void theTinyModelShippedInTheJarStreams() {
        assertThat(alone.canStream()).isTrue();
        assertThat(batching.canStream()).isTrue();
        assertThat(batching.maxChunkFrames()).isPositive();
    }

    @Test
    void concurrentStreamingRowsEachGetOrderedChunksThatMakeUpTheirAudio() throws Exception {
        List<SpeechPrompt> prompts = List.of(
                new SpeechPrompt("A streamed row of the batch.", 0, 11, 0.0, 1, 0L),
                new SpeechPrompt("Another, longer prompt streamed beside the first one.", 1, 7, 0.0, 1, 0L));
        ExecutorService callers = Executors.newFixedThreadPool(prompts.size());
        List<List<AudioChunk>> chunks = new ArrayList<>();
        List<Future<Synthesis>> results = new ArrayList<>();
        try {
            for (SpeechPrompt p : prompts) {
                List<AudioChunk> mine = new CopyOnWriteArrayList<>();
                chunks.add(mine);
                results.add(callers.submit(() -> batching.synthesizeStreaming(p, SynthesisControl.NONE, 3, mine::add)));
            }
            for (int i = 0; i < prompts.size(); i++) {
                Synthesis streamed = results.get(i).get();
                List<AudioChunk> got = chunks.get(i);
                assertThat(got).extracting(AudioChunk::sequence)
                        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, got.size()).boxed().toList());
                assertThat(got).filteredOn(AudioChunk::last).hasSize(1);
                assertThat(got.get(got.size() - 1).last()).isTrue();
                assertThat(got.stream().mapToInt(AudioChunk::frames).sum()).isEqualTo(streamed.frames());
                assertThat(concat(got)).containsExactly(streamed.pcm());

                float[] oneShot = alone.synthesize(prompts.get(i), SynthesisControl.NONE).pcm();
                assertThat(streamed.pcm()).hasSameSizeAs(oneShot);
                assertThat(maxAbsDiff(streamed.pcm(), oneShot)).as("streamed vs one-shot audio").isLessThan(1e-4f);
            }
        } finally {
            callers.shutdownNow();
        }
    }

    private static float[] concat(List<AudioChunk> chunks) {
        int n = chunks.stream().mapToInt(c -> c.pcm().length).sum();
        float[] out = new float[n];
        int at = 0;
        for (AudioChunk c : chunks) {
            System.arraycopy(c.pcm(), 0, out, at, c.pcm().length);
            at += c.pcm().length;
        }
        return out;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
