package dev.csmpipeline.model.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import java.io.ByteArrayInputStream;
import org.junit.jupiter.api.Test;

class WavTest {

    @Test
    void headerHasCorrectRiffAndDataSizes() {
        byte[] wav = Wav.encode(new float[24_000], 24_000);
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(wav).hasSize(Wav.HEADER_BYTES + 48_000);
        assertThat(b.getInt(4)).isEqualTo(wav.length - 8);
        assertThat(b.getInt(Wav.HEADER_BYTES - 4)).isEqualTo(48_000);
        assertThat(b.getInt(24)).isEqualTo(24_000);
        assertThat(b.getInt(28)).isEqualTo(48_000);
    }

    @Test
    void javaSoundReadsTheFileAsSixteenBitMono() throws Exception {
        byte[] wav = Wav.encode(new float[1920 * 3], 24_000);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            AudioFormat f = in.getFormat();
            assertThat(f.getSampleRate()).isEqualTo(24_000f);
            assertThat(f.getChannels()).isEqualTo(1);
            assertThat(f.getSampleSizeInBits()).isEqualTo(16);
            assertThat(in.getFrameLength()).isEqualTo(1920 * 3);
        }
    }

    @Test
    void samplesAreRoundedAndClipped() {
        assertThat(Wav.toPcm16(1f)).isEqualTo((short) 32767);
        assertThat(Wav.toPcm16(-1f)).isEqualTo((short) -32767);
        assertThat(Wav.toPcm16(3f)).isEqualTo((short) 32767);
        assertThat(Wav.toPcm16(-3f)).isEqualTo((short) -32767);
        assertThat(Wav.toPcm16(0.5f)).isEqualTo((short) 16384);
        assertThat(Wav.toPcm16(Float.NaN)).isZero();
    }

    @Test
    void readReturnsTheEncodedFacts() {
        Wav.Info info = Wav.read(Wav.encode(new float[2400], 24_000));
        assertThat(info.sampleRate()).isEqualTo(24_000);
        assertThat(info.dataOffset()).isEqualTo(Wav.HEADER_BYTES);
        assertThat(info.samples()).isEqualTo(2400);
        assertThat(info.durationMs()).isEqualTo(100);
    }

    @Test
    void headerAloneTellsTheDeclaredDataSize() {
        byte[] wav = Wav.encode(new float[2400], 24_000);
        Wav.Info info = Wav.readHeader(java.util.Arrays.copyOf(wav, Wav.HEADER_BYTES));
        assertThat(info.dataBytes()).isEqualTo(4800);
        assertThat(info.dataOffset()).isEqualTo(Wav.HEADER_BYTES);
    }

    @Test
    void everyFileSaysInItsInfoChunkThatItIsSyntheticSpeech() {
        byte[] wav = Wav.encode(new float[100], 24_000);
        assertThat(Wav.infoOf(wav)).containsEntry("ICMT", SyntheticSpeech.COMMENT)
                .containsEntry("ISFT", SyntheticSpeech.SOFTWARE).containsEntry("IGNR", SyntheticSpeech.GENRE);
        assertThat(Wav.infoOf(Wav.header(4800, 24_000))).containsEntry("ICMT", SyntheticSpeech.COMMENT);
    }

    @Test
    void streamedHeaderMatchesTheEncodedFile() {
        byte[] wav = Wav.encode(new float[2400], 24_000);
        assertThat(Wav.header(4800, 24_000)).isEqualTo(java.util.Arrays.copyOf(wav, Wav.HEADER_BYTES));
    }

    @Test
    void readRejectsWhatIsNotAWav() {
        assertThatThrownBy(() -> Wav.read(new byte[] {1, 2, 3})).hasMessageContaining("RIFF");
    }

    @Test
    void readRejectsStereo() {
        byte[] wav = Wav.encode(new float[10], 24_000);
        ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN).putShort(22, (short) 2);
        assertThatThrownBy(() -> Wav.read(wav)).hasMessageContaining("2 channels");
    }
}
