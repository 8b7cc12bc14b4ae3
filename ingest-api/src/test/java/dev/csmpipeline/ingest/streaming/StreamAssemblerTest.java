package dev.csmpipeline.ingest.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.SpeechChunk;
import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;

/** The bytes a listener gets from the chunks as they arrive: always a prefix of the job's audio. */
class StreamAssemblerTest {

    /** One frame of 24 kHz 16-bit audio. */
    private static final int FRAME = 3840;

    /** Frames {@code from} to {@code from + n} of a job's audio: byte i of frame f is (f * 7 + i) mod 256. */
    private static byte[] audio(int from, int n) {
        byte[] b = new byte[n * FRAME];
        for (int f = 0; f < n; f++) {
            for (int i = 0; i < FRAME; i++) {
                b[f * FRAME + i] = (byte) ((from + f) * 7 + i);
            }
        }
        return b;
    }

    private static SpeechChunk chunk(String attempt, int sequence, int firstFrame, int frames, boolean last) {
        return new SpeechChunk("job", attempt, sequence, firstFrame, frames, 24_000, audio(firstFrame, frames), last,
                null);
    }

    private final StreamAssembler assembler = new StreamAssembler();
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();

    private void accept(SpeechChunk c) {
        sent.writeBytes(assembler.accept(c));
    }

    @Test
    void chunksInOrderAreSentWholeAndTheLastCompletesTheStream() {
        accept(chunk("a", 0, 0, 2, false));
        accept(chunk("a", 1, 2, 2, false));
        assertThat(assembler.state()).isEqualTo(StreamAssembler.State.STREAMING);
        accept(chunk("a", 2, 4, 1, true));
        assertThat(sent.toByteArray()).isEqualTo(audio(0, 5));
        assertThat(assembler.state()).isEqualTo(StreamAssembler.State.COMPLETE);
    }

    @Test
    void aRedeliveredAttemptContinuesWhereTheFirstStoppedWithoutRepeatingAudio() {
        accept(chunk("a", 0, 0, 2, false));
        accept(chunk("a", 1, 2, 2, false)); // the worker dies here
        accept(chunk("b", 0, 0, 3, false)); // the retry starts again, in other chunk sizes
        accept(chunk("b", 1, 3, 3, true));
        assertThat(sent.toByteArray()).isEqualTo(audio(0, 6));
        assertThat(assembler.state()).isEqualTo(StreamAssembler.State.COMPLETE);
    }

    @Test
    void afterAMissingChunkNothingMoreIsSentSoNoAudioIsSkipped() {
        accept(chunk("a", 0, 0, 2, false));
        accept(chunk("a", 2, 4, 2, false)); // sequence 1 never came
        accept(chunk("a", 3, 6, 1, true));
        assertThat(sent.toByteArray()).isEqualTo(audio(0, 2));
        assertThat(assembler.state()).as("the rest comes from the stored file").isEqualTo(StreamAssembler.State.STREAMING);
        assertThat(assembler.bytesSent()).isEqualTo(2L * FRAME);
    }

    @Test
    void aDuplicateChunkIsIgnored() {
        accept(chunk("a", 0, 0, 2, false));
        accept(chunk("a", 0, 0, 2, false));
        accept(chunk("a", 1, 2, 1, true));
        assertThat(sent.toByteArray()).isEqualTo(audio(0, 3));
    }

    @Test
    void aClosingChunkWithAnErrorFailsTheStream() {
        accept(chunk("a", 0, 0, 2, false));
        accept(SpeechChunk.failed("job", "worker-1", 0, 0, new JobError("CANCELLED", "the job was cancelled")));
        assertThat(assembler.state()).isEqualTo(StreamAssembler.State.FAILED);
        assertThat(assembler.error().code()).isEqualTo("CANCELLED");
        accept(chunk("a", 1, 2, 1, true));
        assertThat(sent.toByteArray()).as("nothing after the failure").isEqualTo(audio(0, 2));
    }
}
