package dev.csmpipeline.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.csmpipeline.engine.csm.GeneratedCodes;
import dev.csmpipeline.engine.csm.PromptGrid;
import dev.csmpipeline.engine.csm.StepListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Voice prompts: the context budget rule, the prompt layout, clip checks, and bundles without the encoder. */
@ExtendWith(TinyEngine.class)
class VoicePromptTest {

    static CsmEngine engine;
    static int maxSeqLen;
    /** Positions of the utterance's text, {@code [0]Hi.}, as {@link #prompt} writes it. */
    static int text;
    /** Positions of a context segment's text, {@code [0]Hello from Sesame.}, as {@link #segmentOf} writes it. */
    static int segmentText;

    @TempDir
    Path tmp;

    @BeforeAll
    static void load(CsmEngine tiny) {
        engine = tiny;
        maxSeqLen = engine.manifest().generation().maxSeqLen();
        text = engine.tokenizePrompt(0, "Hi.").length;
        segmentText = engine.tokenizePrompt(0, "Hello from Sesame.").length;
    }

    /** A context segment of {@code frames} frames of code 1 (a stand-in for an encoded clip). */
    static ContextSegment segmentOf(int frames) {
        List<int[]> codes = new ArrayList<>();
        for (int f = 0; f < frames; f++) {
            int[] frame = new int[32];
            Arrays.fill(frame, 1 + f % 7);
            codes.add(frame);
        }
        return new ContextSegment(0, "Hello from Sesame.", codes);
    }

    static SpeechPrompt prompt(int maxFrames) {
        return new SpeechPrompt("Hi.", 0, maxFrames, 0.0, 1, 0L);
    }

    @Test
    void contextSegmentTakesItsTextItsFramesAndOneEndOfAudioFrame() {
        SpeechPrompt p = prompt(4).withContext(List.of(segmentOf(5)), false);

        PromptGrid grid = engine.buildPrompt(p);

        assertThat(grid.contextPositions()).isEqualTo(segmentText + 5 + 1);
        assertThat(grid.textPositions()).isEqualTo(text);
        assertThat(grid.contextFrames()).isEqualTo(5);
        boolean[] codebooksOnly = new boolean[33];
        Arrays.fill(codebooksOnly, 0, 32, true);
        int endOfAudio = segmentText + 5;
        assertThat(grid.tokensAt(endOfAudio)).containsOnly(0L);
        assertThat(grid.maskAt(endOfAudio)).containsExactly(codebooksOnly);
        assertThat(grid.maskAt(segmentText)).containsExactly(codebooksOnly);
        assertThat(grid.tokensAt(segmentText)[32]).isZero();
        assertThat(grid.tokensAt(grid.positions() - 1)[32]).isEqualTo(engine.manifest().text().eosTokenId());
    }

    @Test
    void synthesisReportsPromptPositionsAndContextFrames() {
        SpeechPrompt p = prompt(3).withContext(List.of(segmentOf(6), segmentOf(4)), true);

        Synthesis s = engine.synthesize(p, SynthesisControl.NONE);

        assertThat(s.contextFrames()).isEqualTo(10);
        assertThat(s.promptPositions()).isEqualTo(engine.buildPrompt(p).positions());
        assertThat(engine.synthesize(prompt(3), SynthesisControl.NONE).contextFrames()).isZero();
    }

    @Test
    void fittingCapShrinksToTheRoomTheContextLeaves() {
        int room = 3;
        int frames = maxSeqLen - text - segmentText - 1 - room;
        SpeechPrompt p = prompt(50).withContext(List.of(segmentOf(frames)), true);

        GeneratedCodes codes = engine.generateCodes(p, SynthesisControl.NONE, StepListener.NONE);

        assertThat(engine.frameBudget(p, engine.buildPrompt(p))).isEqualTo(room);
        assertThat(codes.frames().size()).isLessThanOrEqualTo(room);
    }

    @Test
    void askedCapThatDoesNotFitIsRefusedWithTheNumbers() {
        int frames = 1900;
        int context = segmentText + frames + 1;
        SpeechPrompt p = prompt(200).withContext(List.of(segmentOf(frames)), false);

        assertThatThrownBy(() -> engine.synthesize(p, SynthesisControl.NONE))
                .isInstanceOf(EngineRejectedException.class)
                .hasMessageContaining("context takes " + context + " positions")
                .hasMessageContaining("the text " + text)
                .hasMessageContaining("200 frames were asked for")
                .hasMessageContaining("limit of " + maxSeqLen)
                .hasMessageContaining("at most " + (maxSeqLen - context - text) + " frames");
    }

    @Test
    void askedCapThatFitsExactlyIsAccepted() {
        int frames = 1900;
        int room = maxSeqLen - segmentText - frames - 1 - text;
        SpeechPrompt p = prompt(room).withContext(List.of(segmentOf(frames)), false);

        assertThat(engine.frameBudget(p, engine.buildPrompt(p))).isEqualTo(room);
    }

    @Test
    void contextLeavingNoRoomIsRefusedEvenWhenFitting() {
        SpeechPrompt p = prompt(10).withContext(List.of(segmentOf(maxSeqLen - segmentText)), true);

        assertThatThrownBy(() -> engine.synthesize(p, SynthesisControl.NONE))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("no room")
                .hasMessageContaining("limit of " + maxSeqLen);
    }

    @Test
    void contextFrameWithACodeOutsideMimiIsRefusedNamingSegmentFrameAndCodebook() {
        List<int[]> codes = new ArrayList<>(segmentOf(3).audioFrames());
        int[] bad = codes.get(2).clone();
        bad[5] = 2049;
        codes.set(2, bad);
        SpeechPrompt p = prompt(2).withContext(List.of(new ContextSegment(1, "x", codes)), true);

        assertThatThrownBy(() -> engine.synthesize(p, SynthesisControl.NONE))
                .isInstanceOf(EngineRejectedException.class)
                .hasMessageContaining("frame 2").hasMessageContaining("codebook 5").hasMessageContaining("2049");
    }

    @Test
    void clipShorterThanOneFrameIsRefused() {
        assertThatThrownBy(() -> engine.encodeAudio(new float[1000]))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("1920 samples");
    }

    @Test
    void clipWithANonFiniteSampleIsRefused() {
        float[] pcm = new float[4000];
        pcm[17] = Float.NaN;

        assertThatThrownBy(() -> engine.encodeAudio(pcm))
                .isInstanceOf(EngineRejectedException.class).hasMessageContaining("sample 17");
    }

    @Test
    void clipOfNSamplesGivesCeilNOver1920Frames() {
        float[] pcm = new float[1920 * 3 + 1];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (float) (0.3 * Math.sin(i * 0.05));
        }

        assertThat(engine.encodeAudio(pcm)).hasSize(4).allSatisfy(f -> assertThat(f).hasSize(32));
        assertThat(engine.encodeAudio(Arrays.copyOf(pcm, 1920 * 3))).hasSize(3);
    }

    @Test
    void formatOneBundleStillSynthesizesButEncodeAudioSaysToReExport() throws IOException {
        Path dir = formatOneCopy();

        try (CsmEngine old = CsmEngine.load(dir, EngineOptions.cpu(1))) {
            assertThat(old.manifest().formatVersion()).isEqualTo(1);
            assertThat(old.synthesize(prompt(2), SynthesisControl.NONE).frames()).isEqualTo(2);
            assertThatThrownBy(() -> old.encodeAudio(new float[4000]))
                    .isInstanceOf(EngineRejectedException.class)
                    .hasMessageContaining("mimi_encoder.onnx").hasMessageContaining("re-export");
        }
    }

    /** The fixture as a format-1 bundle: no encoder file, no graphs.mimi_encoder, no files entry. */
    private Path formatOneCopy() throws IOException {
        Path dir = tmp.resolve("v1");
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(TinyReference.BUNDLE)) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals("mimi_encoder.onnx")) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        tools.jackson.databind.json.JsonMapper json = tools.jackson.databind.json.JsonMapper.builder().build();
        tools.jackson.databind.node.ObjectNode root =
                (tools.jackson.databind.node.ObjectNode) json.readTree(Files.readString(dir.resolve("manifest.json")));
        root.put("format_version", 1);
        ((tools.jackson.databind.node.ObjectNode) root.get("graphs")).remove("mimi_encoder");
        ((tools.jackson.databind.node.ObjectNode) root.get("files")).remove("mimi_encoder.onnx");
        Files.writeString(dir.resolve("manifest.json"), json.writeValueAsString(root));
        return dir;
    }
}
