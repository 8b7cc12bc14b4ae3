package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchingSpeechEngine}: concurrent {@code synthesize} calls share frames of one batch and each gets the
 * audio the single-row engine gives for its request; cancellation and rejection reach the caller as from
 * {@link CsmEngine}.
 */
class BatchingSpeechEngineTest {

    static CsmEngine alone;
    static BatchingSpeechEngine batching;

    @BeforeAll
    static void load() {
        alone = CsmEngine.load(TinyReference.BUNDLE, EngineOptions.cpu(2));
        batching = new BatchingSpeechEngine(CsmEngine.load(TinyReference.BUNDLE, EngineOptions.cpu(2)), 4);
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
    void concurrentCallsShareFramesAndEachGetsTheAudioOfItsRequestAlone() throws Exception {
        List<SpeechPrompt> requests = new ArrayList<>();
        for (TinyReference.Prompt p : TinyReference.prompts()) {
            requests.add(p.greedyRequest());
        }
        CyclicBarrier start = new CyclicBarrier(requests.size());
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        List<Future<Synthesis>> results = new ArrayList<>();
        long before = batching.framesStepped();
        try {
            for (SpeechPrompt r : requests) {
                results.add(pool.submit(() -> {
                    start.await();
                    return batching.synthesize(r, SynthesisControl.NONE);
                }));
            }
            int sequentialFrames = 0;
            for (int i = 0; i < requests.size(); i++) {
                Synthesis expected = alone.synthesize(requests.get(i), SynthesisControl.NONE);
                Synthesis actual = results.get(i).get();
                sequentialFrames += expected.frames() + (expected.stopReason() == Synthesis.StopReason.END_OF_AUDIO
                        ? 1 : 0);
                assertThat(actual.frames()).as("request %d frames", i).isEqualTo(expected.frames());
                assertThat(actual.stopReason()).isEqualTo(expected.stopReason());
                assertThat(actual.pcm()).hasSameSizeAs(expected.pcm());
                assertThat(TinyReference.maxAbsDiff(actual.pcm(), expected.pcm(), 0, expected.pcm().length))
                        .as("request %d pcm", i).isLessThanOrEqualTo(1e-6);
            }
            System.out.printf("batching engine: %d frames stepped for %d frames of %d requests%n",
                    batching.framesStepped() - before, sequentialFrames, requests.size());
            assertThat(batching.framesStepped() - before).as("frames stepped for all rows together")
                    .isLessThan(sequentialFrames);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCancelledCallThrowsSynthesisCancelledAfterTheFramesItWasToldAbout() {
        AtomicInteger frames = new AtomicInteger();
        SynthesisControl cancelAfterTwo = new SynthesisControl() {
            @Override
            public void onFrame(int framesDone) {
                frames.set(framesDone);
            }

            @Override
            public boolean isCancelled() {
                return frames.get() >= 2;
            }
        };

        assertThatThrownBy(() -> batching.synthesize(TinyReference.prompt(0).greedyRequest(), cancelAfterTwo))
                .isInstanceOf(SynthesisCancelledException.class);
        assertThat(frames.get()).isEqualTo(2);
    }

    @Test
    void aPromptThatDoesNotFitIsRejectedInTheCallersThread() {
        SpeechPrompt tooLong = new SpeechPrompt("Hello.", 0, 100_000, 0.0, 1, 0L, List.of(), false);

        assertThatThrownBy(() -> batching.synthesize(tooLong, SynthesisControl.NONE))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("frames");
    }
}
