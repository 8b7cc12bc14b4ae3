package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.engine.csm.GeneratedCodes;
import dev.csmpipeline.engine.csm.StepListener;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine reproduces Hugging Face transformers on the tiny random CSM: the committed reference (greedy
 * {@code generate} and {@code codec_model.decode}) must come out of the Java engine token for token, with the
 * waveform and the logits within the tolerances of docs/BUNDLE-FORMAT.md section 8.
 */
@ExtendWith(TinyEngine.class)
class TinyModelParityTest {

    /** Waveform tolerance (BUNDLE-FORMAT.md section 8); observed differences are about 1e-6. */
    static final double PCM_TOLERANCE = 1e-4;
    /** Logits and last_hidden tolerance (BUNDLE-FORMAT.md section 8). */
    static final double LOGITS_TOLERANCE = 1e-4;

    static CsmEngine engine;

    @BeforeAll
    static void load(CsmEngine tiny) {
        engine = tiny;
    }

    static Stream<TinyReference.Prompt> prompts() {
        return TinyReference.prompts().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void promptTokenIdsEqualTransformersProcessorIds(TinyReference.Prompt p) {
        assertThat(engine.tokenizePrompt(p.speaker(), p.text())).containsExactly(p.tokenIds());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void greedyCodesEqualTransformersFrameByFrame(TinyReference.Prompt p) {
        GeneratedCodes codes = engine.generateCodes(p.greedyRequest(), SynthesisControl.NONE, StepListener.NONE);

        TinyReference.assertFramesEqual(codes.frames(), p.frames());
        assertThat(codes.stoppedEarly()).isEqualTo(p.stoppedEarly());
    }

    @Test
    void engineeredStopFrameEndsPromptThreeAtFrameFourteenWithoutReachingMimi() {
        TinyReference.Prompt p = TinyReference.prompt(3);
        assertThat(p.stopFrameIndex()).isEqualTo(14);

        Synthesis s = engine.synthesize(p.greedyRequest(), SynthesisControl.NONE);

        assertThat(s.stopReason()).isEqualTo(Synthesis.StopReason.END_OF_AUDIO);
        assertThat(s.frames()).isEqualTo(14);
        assertThat(s.pcm()).hasSize(14 * 1920);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("prompts")
    void waveformMatchesTransformersWithinTolerance(TinyReference.Prompt p) {
        Synthesis s = engine.synthesize(p.greedyRequest(), SynthesisControl.NONE);
        float[] reference = p.pcm();

        assertThat(s.frames()).isEqualTo(p.numAudioFrames());
        TinyReference.assertPcmWithin(p, s.pcm(), reference, PCM_TOLERANCE);
    }

    @Test
    void backboneLogitsAndLastHiddenOfEveryFrameMatchTransformers() {
        TinyReference.Prompt p = TinyReference.prompt(0);
        float[] refLogits = TinyReference.floats("ref_p0_backbone_logits.f32"); // (frames, 2051)
        float[] refHidden = TinyReference.floats("ref_p0_last_hidden.f32"); // (frames, hidden)
        int vocab = engine.manifest().audio().audioVocabSize();
        int hidden = engine.manifest().backbone().hiddenSize();
        List<float[]> logits = new ArrayList<>();
        List<float[]> hiddens = new ArrayList<>();

        engine.generateCodes(p.greedyRequest(), SynthesisControl.NONE, new StepListener() {
            @Override
            public void backbone(int frame, float[] l, float[] h) {
                logits.add(l.clone());
                hiddens.add(h.clone());
            }
        });

        assertThat(logits).hasSize(p.frames().size());
        double logitDiff = 0;
        double hiddenDiff = 0;
        for (int f = 0; f < logits.size(); f++) {
            logitDiff = Math.max(logitDiff, TinyReference.maxAbsDiff(logits.get(f), refLogits, f * vocab, vocab));
            hiddenDiff = Math.max(hiddenDiff, TinyReference.maxAbsDiff(hiddens.get(f), refHidden, f * hidden, hidden));
        }
        System.out.printf("parity backbone logits max|diff| = %.3e, last_hidden max|diff| = %.3e%n", logitDiff,
                hiddenDiff);
        assertThat(logitDiff).isLessThanOrEqualTo(LOGITS_TOLERANCE);
        assertThat(hiddenDiff).isLessThanOrEqualTo(LOGITS_TOLERANCE);
    }

    @Test
    void depthLogitsOfFrameZeroMatchTransformers() {
        TinyReference.Prompt p = TinyReference.prompt(0);
        float[] ref = TinyReference.floats("ref_p0_f0_depth_logits.f32"); // (31, 2051): row k-1 = codebook k
        int vocab = engine.manifest().audio().audioVocabSize();
        float[][] got = new float[31][];

        engine.generateCodes(new SpeechPrompt(p.text(), p.speaker(), 1, 0.0, 1, 0L), SynthesisControl.NONE,
                new StepListener() {
                    @Override
                    public void depth(int frame, int codebook, float[] logits) {
                        got[codebook - 1] = logits.clone();
                    }
                });

        double diff = 0;
        for (int k = 1; k <= 31; k++) {
            diff = Math.max(diff, TinyReference.maxAbsDiff(got[k - 1], ref, (k - 1) * vocab, vocab));
        }
        System.out.printf("parity depth logits (frame 0) max|diff| = %.3e%n", diff);
        assertThat(diff).isLessThanOrEqualTo(LOGITS_TOLERANCE);
    }
}
