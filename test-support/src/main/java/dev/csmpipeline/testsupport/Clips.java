package dev.csmpipeline.testsupport;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;

/** WAV clips for voice tests, written by the JDK's own WAV writer: two tones, like {@code sox synth sine sine}. */
public final class Clips {

    private Clips() {
    }

    /** {@code seconds} of 220 Hz + 330 Hz at {@code rate}, 16-bit, {@code channels} channels. */
    public static byte[] tones(double seconds, int rate, int channels) {
        return tones(seconds, rate, channels, 16);
    }

    /** As {@link #tones(double, int, int)} with {@code bits} per sample (8, 16 or 24). */
    public static byte[] tones(double seconds, int rate, int channels, int bits) {
        int frames = (int) Math.round(seconds * rate);
        int bytes = bits / 8;
        byte[] data = new byte[frames * channels * bytes];
        for (int i = 0; i < frames; i++) {
            double v = 0.3 * Math.sin(2 * Math.PI * 220 * i / rate) + 0.2 * Math.sin(2 * Math.PI * 330 * i / rate);
            for (int c = 0; c < channels; c++) {
                long raw = bits == 8 ? Math.round(v * 127) + 128 : Math.round(v * ((1L << (bits - 1)) - 1));
                for (int b = 0; b < bytes; b++) {
                    data[(i * channels + c) * bytes + b] = (byte) (raw >> (8 * b));
                }
            }
        }
        AudioFormat f = new AudioFormat(bits == 8 ? AudioFormat.Encoding.PCM_UNSIGNED : AudioFormat.Encoding.PCM_SIGNED,
                rate, bits, channels, bytes * channels, rate, false);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(data), f, frames)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing a test clip failed: " + e, e);
        }
    }
}
