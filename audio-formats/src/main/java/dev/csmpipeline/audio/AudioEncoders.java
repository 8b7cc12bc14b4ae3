package dev.csmpipeline.audio;

import dev.csmpipeline.model.audio.Wav;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;

/**
 * Encodes the pipeline's WAV master into a delivery format. Streaming: samples are read and encoded a chunk at a
 * time, so a narration of hours never sits in memory whole (FLAC goes through a temporary file).
 */
public final class AudioEncoders {

    private static final int CHUNK_SAMPLES = 8_192;
    /** Bytes read to find the data chunk: the pipeline's header is {@link Wav#HEADER_BYTES}; allow other files. */
    private static final int HEADER_SEARCH_BYTES = 4_096;

    private AudioEncoders() {
    }

    /** An encoder writing {@code format} to {@code out}; the caller closes {@code out}. */
    public static AudioEncoder open(DeliveryFormat format, OutputStream out, int sampleRate, long totalSamples)
            throws IOException {
        OutputStream target = new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush(); // encoders that close their container must not close the caller's stream
            }
        };
        return switch (format) {
            case MP3 -> new Mp3Encoder(target, sampleRate);
            case OPUS -> new OggOpusEncoder(target, sampleRate);
            case FLAC -> new FlacEncoder(target, sampleRate);
            case WAV -> new RawEncoder(target, Wav.header(totalSamples * Wav.BYTES_PER_SAMPLE, sampleRate));
            case PCM -> new RawEncoder(target, new byte[0]);
        };
    }

    /**
     * Reads a 16-bit mono WAV from {@code wav} and writes it to {@code out} in {@code format}.
     *
     * @return the WAV's facts (sample rate, samples)
     * @throws IllegalArgumentException when {@code wav} is not a 16-bit mono WAV
     */
    public static Wav.Info transcode(InputStream wav, DeliveryFormat format, OutputStream out) throws IOException {
        byte[] head = wav.readNBytes(HEADER_SEARCH_BYTES);
        Wav.Info info = Wav.readHeader(head);
        int inHead = Math.max(0, head.length - info.dataOffset());
        InputStream data = new SequenceInputStream(
                new ByteArrayInputStream(head, Math.min(info.dataOffset(), head.length), inHead), wav);
        AudioEncoder encoder = open(format, out, info.sampleRate(), info.samples());
        short[] chunk = new short[CHUNK_SAMPLES];
        byte[] bytes = new byte[CHUNK_SAMPLES * 2];
        long remaining = info.dataBytes() / 2 * 2;
        while (remaining > 0) {
            int n = data.readNBytes(bytes, 0, (int) Math.min(bytes.length, remaining));
            int count = n / 2;
            if (count == 0) {
                break; // the file is shorter than its header says: encode what there is
            }
            for (int i = 0; i < count; i++) {
                chunk[i] = (short) ((bytes[2 * i] & 0xFF) | (bytes[2 * i + 1] << 8));
            }
            encoder.write(chunk, 0, count);
            remaining -= n;
        }
        encoder.finish();
        out.flush();
        return info;
    }

    /** Encodes a whole WAV file held in memory (a sync reply, a job's audio). */
    public static byte[] encode(byte[] wav, DeliveryFormat format) {
        if (format == DeliveryFormat.WAV) {
            return wav;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(format == DeliveryFormat.PCM ? wav.length
                : wav.length / 4);
        try {
            transcode(new ByteArrayInputStream(wav), format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** WAV (header, then samples) and raw PCM: the samples as they are. */
    private static final class RawEncoder implements AudioEncoder {
        private final OutputStream out;
        private final byte[] buffer = new byte[CHUNK_SAMPLES * 2];

        RawEncoder(OutputStream out, byte[] header) throws IOException {
            this.out = out;
            out.write(header);
        }

        @Override
        public void write(short[] samples, int offset, int length) throws IOException {
            while (length > 0) {
                int n = Math.min(length, CHUNK_SAMPLES);
                for (int i = 0; i < n; i++) {
                    buffer[2 * i] = (byte) samples[offset + i];
                    buffer[2 * i + 1] = (byte) (samples[offset + i] >> 8);
                }
                out.write(buffer, 0, 2 * n);
                offset += n;
                length -= n;
            }
        }

        @Override
        public void finish() throws IOException {
            out.flush();
        }
    }
}
