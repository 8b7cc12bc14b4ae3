package dev.csmpipeline.audio;

import de.sciss.jump3r.lowlevel.LameEncoder;
import java.io.IOException;
import java.io.OutputStream;
import javax.sound.sampled.AudioFormat;

/**
 * MP3 through jump3r (LAME in Java): constant bit rate, mono, LAME's quality 5 (its default speed/quality balance).
 * An ID3v2.4 tag ({@link Id3v2}) precedes the first frame.
 */
final class Mp3Encoder implements AudioEncoder {

    static final int KBIT_PER_S = 64;
    private static final int QUALITY = 5;

    private final OutputStream out;
    private final LameEncoder lame;
    private final byte[] pcm;
    private final byte[] mp3;
    private final int chunkSamples;

    Mp3Encoder(OutputStream out, int sampleRate) throws IOException {
        this.out = out;
        this.lame = new LameEncoder(new AudioFormat(sampleRate, 16, 1, true, false), KBIT_PER_S,
                LameEncoder.CHANNEL_MODE_MONO, QUALITY, false);
        this.pcm = new byte[lame.getPCMBufferSize()];
        this.mp3 = new byte[lame.getMP3BufferSize()];
        this.chunkSamples = pcm.length / 2;
        out.write(Id3v2.syntheticSpeechTag());
    }

    @Override
    public void write(short[] samples, int offset, int length) throws IOException {
        while (length > 0) {
            int n = Math.min(length, chunkSamples);
            for (int i = 0; i < n; i++) {
                short s = samples[offset + i];
                pcm[2 * i] = (byte) s;
                pcm[2 * i + 1] = (byte) (s >> 8);
            }
            int bytes = lame.encodeBuffer(pcm, 0, 2 * n, mp3);
            out.write(mp3, 0, bytes);
            offset += n;
            length -= n;
        }
    }

    @Override
    public void finish() throws IOException {
        int bytes = lame.encodeFinish(mp3);
        out.write(mp3, 0, bytes);
        lame.close();
    }
}
