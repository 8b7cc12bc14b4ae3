package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.csmpipeline.engine.csm.GeneratedCodes;
import dev.csmpipeline.engine.csm.StepListener;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Behaviour of the engine around the frame loop, on the tiny random model. */
@ExtendWith(TinyEngine.class)
class CsmEngineTest {

    static CsmEngine engine;

    @BeforeAll
    static void load(CsmEngine tiny) {
        engine = tiny;
    }

    private static SpeechPrompt sampled(int frames, long seed) {
        return new SpeechPrompt("Hello from Sesame.", 0, frames, 0.9, 50, seed);
    }

    @Test
    void infoNamesTheModelFromTheManifestTheDeviceUsedAndTheSampleRate() {
        EngineInfo info = engine.info();

        assertThat(info.modelName()).isEqualTo("tiny-random");
        assertThat(info.modelKind()).isEqualTo("tiny-random");
        assertThat(info.device()).isEqualTo("cpu");
        assertThat(info.sampleRate()).isEqualTo(24_000);
        assertThat(info.producesNoSpeech()).isTrue();
    }

    @Test
    void autoDeviceFallsBackToCpuOnTheCpuBuildOfOnnxRuntime() {
        try (CsmEngine auto = CsmEngine.load(TinyReference.BUNDLE, new EngineOptions("auto", 1, 1, 0))) {
            assertThat(auto.info().device()).isEqualTo("cpu");
        }
    }

    @Test
    void perSessionThreadPoolsGiveTheSameAudioAsTheProcessWidePool() {
        Synthesis shared = engine.synthesize(sampled(3, 77), SynthesisControl.NONE);
        try (CsmEngine own = CsmEngine.load(TinyReference.BUNDLE,
                EngineOptions.cpu(1).withThreadPools(EngineOptions.ThreadPools.SESSION))) {
            assertThat(own.synthesize(sampled(3, 77), SynthesisControl.NONE).pcm()).containsExactly(shared.pcm());
        }
    }

    @Test
    void threadPoolsIsProcessByDefaultAndAnUnknownValueNamesTheVariable() {
        assertThat(EngineOptions.cpu(2).threadPools()).isEqualTo(EngineOptions.ThreadPools.PROCESS);
        assertThat(EngineOptions.ThreadPools.parse(" Session ")).isEqualTo(EngineOptions.ThreadPools.SESSION);
        assertThatThrownBy(() -> EngineOptions.ThreadPools.parse("global"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TTS_THREAD_POOLS");
    }

    @Test
    void cudaOnTheCpuBuildFailsSayingHowToGetIt() {
        assertThatThrownBy(() -> CsmEngine.load(TinyReference.BUNDLE, new EngineOptions("cuda", 1, 1, 0)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("-Pgpu");
    }

    @Test
    void sameSeedGivesTheSameCodesAndAudio() {
        Synthesis a = engine.synthesize(sampled(6, 1234), SynthesisControl.NONE);
        Synthesis b = engine.synthesize(sampled(6, 1234), SynthesisControl.NONE);

        assertThat(a.pcm()).containsExactly(b.pcm());
    }

    @Test
    void differentSeedsGiveDifferentCodes() {
        GeneratedCodes a = engine.generateCodes(sampled(4, 1), SynthesisControl.NONE, StepListener.NONE);
        GeneratedCodes b = engine.generateCodes(sampled(4, 2), SynthesisControl.NONE, StepListener.NONE);

        assertThat(a.frames().get(0)).isNotEqualTo(b.frames().get(0));
    }

    @Test
    void generationStopsAtMaxFramesWithOneFramePerEightyMilliseconds() {
        Synthesis s = engine.synthesize(sampled(5, 9), SynthesisControl.NONE);

        assertThat(s.frames()).isEqualTo(5);
        assertThat(s.stopReason()).isEqualTo(Synthesis.StopReason.MAX_FRAMES);
        assertThat(s.pcm()).hasSize(5 * 1920);
        assertThat(s.durationMs()).isEqualTo(400);
    }

    @Test
    void audioIs24kHzWithFramesTimes1920Samples() {
        Synthesis s = engine.synthesize(sampled(7, 3), SynthesisControl.NONE);

        assertThat(s.sampleRate()).isEqualTo(24_000);
        assertThat(s.pcm()).hasSize(7 * 1920);
        assertThat(s.durationMs()).isEqualTo(7L * 80);
    }

    @Test
    void cancellationStopsBeforeTheNextFrame() {
        AtomicInteger progress = new AtomicInteger();
        SynthesisControl cancelAfterThree = new SynthesisControl() {
            @Override
            public void onFrame(int framesDone) {
                progress.set(framesDone);
            }

            @Override
            public boolean isCancelled() {
                return progress.get() >= 3;
            }
        };

        assertThatThrownBy(() -> engine.synthesize(sampled(20, 5), cancelAfterThree))
                .isInstanceOfSatisfying(SynthesisCancelledException.class, e -> assertThat(e.framesDone()).isEqualTo(3));
        assertThat(progress.get()).isEqualTo(3);
    }

    @Test
    void progressIsReportedAfterEveryFrame() {
        List<Integer> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        engine.synthesize(sampled(4, 5), new SynthesisControl() {
            @Override
            public void onFrame(int framesDone) {
                seen.add(framesDone);
            }
        });

        assertThat(seen).containsExactly(1, 2, 3, 4);
    }

    @Test
    void aPromptThatFillsTheContextIsRejected() {
        String longText = "Hello there. ".repeat(1200);

        assertThatThrownBy(() -> engine.synthesize(new SpeechPrompt(longText, 0, 10, 0.0, 1, 0), SynthesisControl.NONE))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("context");
    }

    @Test
    void framesAreCappedByTheContextLeftAfterThePrompt() {
        int maxSeqLen = engine.manifest().generation().maxSeqLen();
        int lo = 1;
        int hi = 2000; // the longest repetition of the sentence that still leaves at least one position
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (engine.tokenizePrompt(0, "Hello there. ".repeat(mid)).length < maxSeqLen) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        String text = "Hello there. ".repeat(lo);
        int room = maxSeqLen - engine.tokenizePrompt(0, text).length;
        assertThat(room).isBetween(1, 10);

        GeneratedCodes codes = engine.generateCodes(new SpeechPrompt(text, 0, 50, 0.0, 1, 0), SynthesisControl.NONE,
                StepListener.NONE);

        assertThat(codes.frames().size()).isLessThanOrEqualTo(room);
    }

    @Test
    void concurrentCallsGiveTheSameAudioAsSequentialCalls() throws Exception {
        List<SpeechPrompt> prompts = List.of(sampled(6, 21), new SpeechPrompt("Testing, one, two.", 1, 6, 0.9, 50, 22),
                new SpeechPrompt("How are you?", 0, 6, 0.0, 1, 0));
        List<float[]> sequential = prompts.stream().map(p -> engine.synthesize(p, SynthesisControl.NONE).pcm())
                .toList();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[]>> concurrent = prompts.stream()
                    .map(p -> pool.submit(() -> engine.synthesize(p, SynthesisControl.NONE).pcm())).toList();
            for (int i = 0; i < prompts.size(); i++) {
                assertThat(concurrent.get(i).get()).containsExactly(sequential.get(i));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClosedEngineRefusesCalls() {
        CsmEngine e = CsmEngine.load(TinyReference.BUNDLE, EngineOptions.cpu(1));
        e.close();

        assertThatThrownBy(() -> e.synthesize(sampled(2, 1), SynthesisControl.NONE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
