package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.engine.csm.GeneratedCodes;
import dev.csmpipeline.engine.csm.PromptGrid;
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
 * Voice prompts reproduce Hugging Face transformers on the tiny random CSM: the Mimi encoder's codes of the
 * reference clips equal {@code codec_model.encode}, the prompt of one and two context segments equals the token grid
 * of transformers' processor (conversation with audio) position by position, and greedy generation with that context
 * gives transformers' codes frame by frame and its waveform within 1e-4 (docs/BUNDLE-FORMAT.md, sections 3 and 8).
 */
@ExtendWith(TinyEngine.class)
class VoiceContextParityTest {

    static CsmEngine engine;

    @BeforeAll
    static void load(CsmEngine tiny) {
        engine = tiny;
    }

    static Stream<TinyReference.Clip> clips() {
        return TinyReference.clips().stream();
    }

    static Stream<TinyReference.ContextPrompt> contextPrompts() {
        return TinyReference.contextPrompts().stream();
    }

    @ParameterizedTest(name = "clip {0}")
    @MethodSource("clips")
    void encoderCodesOfEachClipEqualTransformersEncodeFrameByFrame(TinyReference.Clip clip) {
        float[] pcm = clip.pcm();

        List<int[]> codes = engine.encodeAudio(pcm);

        assertThat(pcm.length % 1920).as("clip length is not a whole number of frames").isNotZero();
        assertThat(codes).hasSize((pcm.length + 1919) / 1920).hasSameSizeAs(clip.codes());
        for (int f = 0; f < codes.size(); f++) {
            assertThat(codes.get(f)).as("clip %s frame %d", clip.name(), f).containsExactly(clip.codes().get(f));
        }
    }

    @Test
    void referenceCoversOneAndTwoContextSegments() {
        assertThat(TinyReference.contextPrompts()).extracting(p -> p.context().size()).contains(1, 2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contextPrompts")
    void contextPromptTokenGridEqualsTransformersProcessorPositionByPosition(TinyReference.ContextPrompt p) {
        PromptGrid grid = engine.buildPrompt(p.greedyRequest());

        assertThat(grid.positions()).isEqualTo(p.promptPositions()).isEqualTo(p.gridTokens().length);
        assertThat(grid.contextFrames()).isEqualTo(p.contextFrames());
        for (int pos = 0; pos < grid.positions(); pos++) {
            assertThat(grid.tokensAt(pos)).as("tokens at position %d", pos).containsExactly(p.gridTokens()[pos]);
            assertThat(grid.maskAt(pos)).as("mask at position %d", pos).containsExactly(p.gridMask()[pos]);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contextPrompts")
    void contextGreedyCodesEqualTransformersFrameByFrame(TinyReference.ContextPrompt p) {
        GeneratedCodes codes = engine.generateCodes(p.greedyRequest(), SynthesisControl.NONE, StepListener.NONE);

        TinyReference.assertFramesEqual(codes.frames(), p.frames());
        assertThat(codes.stoppedEarly()).isEqualTo(p.stoppedEarly());
        assertThat(codes.promptPositions()).isEqualTo(p.promptPositions());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contextPrompts")
    void contextWaveformMatchesTransformersWithinTolerance(TinyReference.ContextPrompt p) {
        Synthesis s = engine.synthesize(p.greedyRequest(), SynthesisControl.NONE);
        float[] reference = p.pcm();

        assertThat(s.frames()).isEqualTo(p.numAudioFrames());
        assertThat(s.promptPositions()).isEqualTo(p.promptPositions());
        assertThat(s.contextFrames()).isEqualTo(p.contextFrames());
        TinyReference.assertPcmWithin(p, s.pcm(), reference, TinyModelParityTest.PCM_TOLERANCE);
    }

    @Test
    void voiceClipsEncodedByTheEngineThenUsedAsContextGiveTransformersCodes() {
        TinyReference.ContextPrompt p = TinyReference.contextPrompts().stream().filter(c -> c.context().size() == 2)
                .findFirst().orElseThrow();
        List<ContextSegment> segments = new ArrayList<>();
        for (TinyReference.ContextRef c : p.context()) {
            segments.add(new ContextSegment(c.speaker(), c.text(), engine.encodeAudio(TinyReference.clip(c.clip()).pcm())));
        }

        GeneratedCodes codes = engine.generateCodes(p.greedyRequest().withContext(segments, false),
                SynthesisControl.NONE, StepListener.NONE);

        TinyReference.assertFramesEqual(codes.frames(), p.frames());
    }

    @Test
    void contextChangesWhatIsGeneratedComparedWithTheSameTextAlone() {
        TinyReference.ContextPrompt p = TinyReference.contextPrompts().get(0);

        GeneratedCodes alone = engine.generateCodes(new SpeechPrompt(p.text(), p.speaker(), p.maxNewFrames(), 0.0, 1,
                0L), SynthesisControl.NONE, StepListener.NONE);

        boolean anyFrameDiffers = alone.frames().size() != p.frames().size();
        for (int f = 0; f < Math.min(alone.frames().size(), p.frames().size()); f++) {
            anyFrameDiffers |= !java.util.Arrays.equals(alone.frames().get(f), p.frames().get(f));
        }
        assertThat(anyFrameDiffers).isTrue();
    }
}
