package dev.csmpipeline.model.audio;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import javax.sound.sampled.UnsupportedAudioFileException;

/**
 * Reads WAV clips people upload (voice references) with the JDK's own sound library: 8-, 16-, 24- and 32-bit
 * integer PCM and 32/64-bit float, plain or WAVE_FORMAT_EXTENSIBLE, any sample rate and channel count. The samples
 * come out as floats in [-1, 1], channels mixed down to mono by their mean.
 */
public final class WavReader {

    private WavReader() {
    }

    /**
     * What a clip's header says.
     *
     * @param sampleRate samples per second per channel
     * @param channels   interleaved channels
     * @param bits       bits per sample
     * @param frames     samples per channel
     */
    public record Header(int sampleRate, int channels, int bits, long frames) {

        /** Length in milliseconds. */
        public long durationMs() {
            return Math.round(frames * 1000.0 / sampleRate);
        }
    }

    /** A decoded clip: mono samples at the clip's own rate. */
    public record Clip(Header header, float[] mono) {
    }

    /** Thrown for bytes that are not a WAV file this reader can decode; the message says why. */
    public static final class NotWavException extends IllegalArgumentException {
        public NotWavException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Reads the header only. */
    public static Header header(byte[] wav) {
        try (AudioInputStream in = open(wav)) {
            return headerOf(in);
        } catch (IOException e) {
            throw new NotWavException("the WAV file cannot be read: " + e.getMessage(), e);
        }
    }

    /** Decodes the whole clip to mono floats. */
    public static Clip read(byte[] wav) {
        try (AudioInputStream in = open(wav)) {
            Header header = headerOf(in);
            AudioFormat f = in.getFormat();
            byte[] data = in.readAllBytes();
            return new Clip(header, mixDown(data, f, (int) Math.min(header.frames(), data.length / f.getFrameSize())));
        } catch (IOException e) {
            throw new NotWavException("the WAV file cannot be read: " + e.getMessage(), e);
        }
    }

    private static AudioInputStream open(byte[] wav) {
        if (wav == null || wav.length < 12 || wav[0] != 'R' || wav[1] != 'I' || wav[2] != 'F' || wav[3] != 'F'
                || wav[8] != 'W' || wav[9] != 'A' || wav[10] != 'V' || wav[11] != 'E') {
            throw new NotWavException("is not a WAV file (no RIFF/WAVE header)", null);
        }
        try {
            InputStream bytes = new ByteArrayInputStream(wav);
            return AudioSystem.getAudioInputStream(bytes);
        } catch (UnsupportedAudioFileException | IOException e) {
            throw new NotWavException("is a WAV file in an encoding that cannot be decoded (" + e.getMessage()
                    + "): send PCM or float samples", e);
        }
    }

    private static Header headerOf(AudioInputStream in) {
        AudioFormat f = in.getFormat();
        AudioFormat.Encoding e = f.getEncoding();
        boolean pcm = e.equals(AudioFormat.Encoding.PCM_SIGNED) || e.equals(AudioFormat.Encoding.PCM_UNSIGNED)
                || e.equals(AudioFormat.Encoding.PCM_FLOAT);
        if (!pcm) {
            throw new NotWavException("is a WAV file encoded as " + e + ": send PCM or float samples", null);
        }
        if (f.getChannels() < 1 || f.getSampleRate() <= 0 || f.getSampleSizeInBits() <= 0) {
            throw new NotWavException("has an invalid header (channels " + f.getChannels() + ", sample rate "
                    + f.getSampleRate() + ", bits " + f.getSampleSizeInBits() + ")", null);
        }
        long frames = in.getFrameLength();
        if (frames < 0) {
            throw new NotWavException("does not state its length", null);
        }
        return new Header(Math.round(f.getSampleRate()), f.getChannels(), f.getSampleSizeInBits(), frames);
    }

    /** Interleaved samples of any supported encoding to mono floats: the mean of the channels. */
    private static float[] mixDown(byte[] data, AudioFormat f, int frames) {
        int channels = f.getChannels();
        int bytesPerSample = f.getFrameSize() / channels;
        boolean bigEndian = f.isBigEndian();
        AudioFormat.Encoding e = f.getEncoding();
        float[] mono = new float[frames];
        for (int i = 0; i < frames; i++) {
            double sum = 0;
            for (int c = 0; c < channels; c++) {
                sum += sample(data, (i * channels + c) * bytesPerSample, bytesPerSample, bigEndian, e);
            }
            mono[i] = (float) Math.max(-1.0, Math.min(1.0, sum / channels));
        }
        return mono;
    }

    private static double sample(byte[] d, int off, int bytes, boolean bigEndian, AudioFormat.Encoding e) {
        long raw = 0;
        for (int b = 0; b < bytes; b++) {
            int v = d[off + (bigEndian ? b : bytes - 1 - b)] & 0xff;
            raw = (raw << 8) | v;
        }
        if (e.equals(AudioFormat.Encoding.PCM_FLOAT)) {
            return bytes == 8 ? Double.longBitsToDouble(raw) : Float.intBitsToFloat((int) raw);
        }
        int bits = bytes * 8;
        if (e.equals(AudioFormat.Encoding.PCM_UNSIGNED)) {
            return (raw - (1L << (bits - 1))) / (double) (1L << (bits - 1));
        }
        long signed = (raw << (64 - bits)) >> (64 - bits); // sign-extend
        return signed / (double) (1L << (bits - 1));
    }
}
