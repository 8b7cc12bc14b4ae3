package dev.csmpipeline.engine.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import javax.sound.sampled.AudioFileFormat;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;

/**
 * {@code say}'s output file: 16-bit PCM mono WAV written by the JDK's {@code javax.sound.sampled}. The engine itself
 * returns samples and knows no file format; the services encode with pipeline-model's {@code Wav}.
 */
final class WavFile {

    private WavFile() {
    }

    /** Writes {@code pcm} (samples in [-1, 1]; outside is clipped) at {@code sampleRate} to {@code file}. */
    static void write(Path file, float[] pcm, int sampleRate) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2 * pcm.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float sample : pcm) {
            b.putShort(toPcm16(sample));
        }
        AudioFormat format = new AudioFormat(sampleRate, 16, 1, true, false);
        try (AudioInputStream in = new AudioInputStream(new ByteArrayInputStream(b.array()), format, pcm.length)) {
            AudioSystem.write(in, AudioFileFormat.Type.WAVE, file.toFile());
        }
    }

    private static short toPcm16(float sample) {
        float clipped = Float.isNaN(sample) ? 0f : Math.max(-1f, Math.min(1f, sample));
        return (short) Math.round(clipped * 32767f);
    }
}
