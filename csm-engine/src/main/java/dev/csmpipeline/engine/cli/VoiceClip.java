package dev.csmpipeline.engine.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/** A reference clip for {@code say --voice}: a PCM WAV at the model's sample rate, channels averaged to mono. */
final class VoiceClip {

    static final double MIN_SECONDS = 1;
    static final double MAX_SECONDS = 30;

    /** The clip cannot be used; the message says why and what to do. */
    static final class UnreadableClipException extends RuntimeException {
        UnreadableClipException(String message) {
            super(message);
        }
    }

    private VoiceClip() {
    }

    /** Samples in [-1, 1] at {@code sampleRate}, mono. */
    static float[] read(Path file, int sampleRate) throws IOException {
        try (AudioInputStream in = AudioSystem.getAudioInputStream(file.toFile())) {
            AudioFormat f = in.getFormat();
            if (Math.round(f.getSampleRate()) != sampleRate) {
                throw new UnreadableClipException("its sample rate is " + Math.round(f.getSampleRate())
                        + " Hz; the model needs " + sampleRate + " Hz: convert it first (e.g. sox IN.wav -r "
                        + sampleRate + " OUT.wav)");
            }
            AudioFormat pcm16 = new AudioFormat(AudioFormat.Encoding.PCM_SIGNED, f.getSampleRate(), 16,
                    f.getChannels(), 2 * f.getChannels(), f.getSampleRate(), false);
            if (!AudioSystem.isConversionSupported(pcm16, f)) {
                throw new UnreadableClipException("its encoding " + f + " cannot be read: save it as 16-bit PCM WAV");
            }
            byte[] bytes;
            try (AudioInputStream s16 = AudioSystem.getAudioInputStream(pcm16, in)) {
                bytes = s16.readAllBytes();
            }
            float[] mono = downmix(bytes, f.getChannels());
            double seconds = mono.length / (double) sampleRate;
            if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) {
                throw new UnreadableClipException(String.format(java.util.Locale.ROOT, "it is %.2f s long; a voice "
                        + "clip must be %.0f-%.0f s", seconds, MIN_SECONDS, MAX_SECONDS));
            }
            return mono;
        } catch (UnsupportedAudioFileException e) {
            throw new UnreadableClipException("it is not a WAV file this program can read (" + e.getMessage()
                    + "): save it as 16-bit PCM WAV");
        }
    }

    /** Interleaved 16-bit little-endian frames to the mean of their channels, scaled to [-1, 1). */
    private static float[] downmix(byte[] bytes, int channels) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int frames = bytes.length / (2 * channels);
        float[] out = new float[frames];
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += b.getShort() / 32768.0;
            }
            out[i] = (float) (sum / channels);
        }
        return out;
    }
}
