package dev.csmpipeline.model.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

class WavReaderTest {

    /** A WAV written by the JDK's own writer: {@code frames} of a 440 Hz tone, channel c scaled by 1/(c+1). */
    static byte[] tone(float rate, int bits, int channels, boolean floating, int frames) throws Exception {
        AudioFormat f = new AudioFormat(floating ? AudioFormat.Encoding.PCM_FLOAT : AudioFormat.Encoding.PCM_SIGNED,
                rate, bits, channels, bits / 8 * channels, rate, false);
        int bytes = bits / 8;
        byte[] data = new byte[frames * channels * bytes];
        for (int i = 0; i < frames; i++) {
            double v = 0.5 * Math.sin(2 * Math.PI * 440 * i / rate);
            for (int c = 0; c < channels; c++) {
                double s = v / (c + 1);
                long raw = floating ? Float.floatToIntBits((float) s) : Math.round(s * ((1L << (bits - 1)) - 1));
                for (int b = 0; b < bytes; b++) {
                    data[(i * channels + c) * bytes + b] = (byte) (raw >> (8 * b));
                }
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AudioSystem.write(new AudioInputStream(new ByteArrayInputStream(data), f, frames), AudioFileFormat.Type.WAVE,
                out);
        return out.toByteArray();
    }

    @Test
    void readsTheHeaderOfACdQualityStereoClip() throws Exception {
        WavReader.Header h = WavReader.header(tone(44_100, 16, 2, false, 44_100 * 3));
        assertThat(h).isEqualTo(new WavReader.Header(44_100, 2, 16, 44_100 * 3));
        assertThat(h.durationMs()).isEqualTo(3_000);
    }

    @Test
    void mixesStereoDownToTheMeanOfItsChannels() throws Exception {
        WavReader.Clip clip = WavReader.read(tone(48_000, 16, 2, false, 4_800));
        assertThat(clip.mono()).hasSize(4_800);
        // left 0.5 sin, right 0.25 sin: the mean is 0.375 sin
        int quarter = 48_000 / 440 / 4; // near the first peak
        double expected = 0.375 * Math.sin(2 * Math.PI * 440 * quarter / 48_000.0);
        assertThat(clip.mono()[quarter]).isCloseTo((float) expected, within(1e-3f));
    }

    @Test
    void readsTwentyFourBitAndFloatSamples() throws Exception {
        double expected = 0.5 * Math.sin(2 * Math.PI * 440 * 10 / 24_000.0);
        assertThat(WavReader.read(tone(24_000, 24, 1, false, 2_400)).mono()[10])
                .isCloseTo((float) expected, within(1e-5f));
        assertThat(WavReader.read(tone(24_000, 32, 1, true, 2_400)).mono()[10])
                .isCloseTo((float) expected, within(1e-6f));
    }

    @Test
    void ourOwnWavReadsBackToItsSamples() {
        float[] pcm = {0f, 0.25f, -0.5f, 0.999f};
        WavReader.Clip clip = WavReader.read(Wav.encode(pcm, 24_000));
        assertThat(clip.header().sampleRate()).isEqualTo(24_000);
        for (int i = 0; i < pcm.length; i++) {
            assertThat(clip.mono()[i]).isCloseTo(pcm[i], within(1e-4f));
        }
    }

    @Test
    void bytesThatAreNotAWavFileAreRefusedWithTheReason() {
        assertThatThrownBy(() -> WavReader.header("not audio at all".getBytes()))
                .isInstanceOf(WavReader.NotWavException.class).hasMessageContaining("not a WAV file");
        assertThatThrownBy(() -> WavReader.header(new byte[0])).isInstanceOf(WavReader.NotWavException.class);
    }

    @Test
    void aTruncatedWavIsRefused() throws Exception {
        byte[] wav = tone(24_000, 16, 1, false, 100);
        byte[] cut = java.util.Arrays.copyOf(wav, 20);
        assertThatThrownBy(() -> WavReader.read(cut)).isInstanceOf(WavReader.NotWavException.class);
    }
}
