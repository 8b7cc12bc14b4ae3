package dev.csmpipeline.model.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class CodeFramesTest {

    @Test
    void codesRoundTripFrameByFrame() {
        List<int[]> frames = List.of(new int[] {0, 2047, 5}, new int[] {2050, 1, 1024});
        List<int[]> back = CodeFrames.decode(CodeFrames.encode(frames));
        assertThat(back).hasSize(2);
        assertThat(back.get(0)).containsExactly(0, 2047, 5);
        assertThat(back.get(1)).containsExactly(2050, 1, 1024);
    }

    @Test
    void thirtySecondsOfCodesTakeAboutTwentyFourKilobytes() {
        List<int[]> frames = java.util.Collections.nCopies(375, new int[32]);
        assertThat(CodeFrames.encode(frames)).hasSize(16 + 375 * 32 * 2);
    }

    @Test
    void bytesThatAreNotStoredCodesAreRefused() {
        assertThatThrownBy(() -> CodeFrames.decode("RIFF....WAVEfmt ".getBytes()))
                .hasMessageContaining("CSMC");
        byte[] truncated = java.util.Arrays.copyOf(CodeFrames.encode(List.of(new int[4])), 20);
        assertThatThrownBy(() -> CodeFrames.decode(truncated)).hasMessageContaining("corrupt");
    }

    @Test
    void framesOfDifferentWidthsAreRefused() {
        assertThatThrownBy(() -> CodeFrames.encode(List.of(new int[4], new int[3])))
                .hasMessageContaining("4 codes");
    }
}
