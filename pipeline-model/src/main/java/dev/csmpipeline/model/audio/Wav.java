package dev.csmpipeline.model.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * RIFF WAVE files as the pipeline stores and serves them: 16-bit signed PCM, mono. Encodes samples, writes headers
 * for streamed assembly, and reads the header of a stored file.
 */
public final class Wav {

    /** Bytes of the canonical header before the samples. */
    public static final int HEADER_BYTES = 44;
    public static final int BITS_PER_SAMPLE = 16;
    public static final int BYTES_PER_SAMPLE = BITS_PER_SAMPLE / 8;
    public static final String CONTENT_TYPE = "audio/wav";

    private Wav() {
    }

    /** Encodes samples in [-1, 1] (clipped outside) as a WAV file. */
    public static byte[] encode(float[] pcm, int sampleRate) {
        int dataBytes = pcm.length * BYTES_PER_SAMPLE;
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        writeHeader(b, dataBytes, sampleRate);
        for (float sample : pcm) {
            b.putShort(toPcm16(sample));
        }
        return b.array();
    }

    /** A 44-byte header for {@code dataBytes} of 16-bit mono samples. */
    public static byte[] header(long dataBytes, int sampleRate) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        writeHeader(b, dataBytes, sampleRate);
        return b.array();
    }

    private static void writeHeader(ByteBuffer b, long dataBytes, int sampleRate) {
        if (dataBytes > 0xFFFF_FFFFL - 36) {
            throw new IllegalArgumentException("WAV data of " + dataBytes + " bytes exceeds the 4 GiB RIFF limit");
        }
        b.put(ascii("RIFF")).putInt((int) (36 + dataBytes)).put(ascii("WAVE"))
                .put(ascii("fmt ")).putInt(16)
                .putShort((short) 1)                          // PCM
                .putShort((short) 1)                          // mono
                .putInt(sampleRate)
                .putInt(sampleRate * BYTES_PER_SAMPLE)        // byte rate
                .putShort((short) BYTES_PER_SAMPLE)           // block align
                .putShort((short) BITS_PER_SAMPLE)
                .put(ascii("data")).putInt((int) dataBytes);
    }

    /** Rounds a sample in [-1, 1] to a signed 16-bit value, clipping outside the range. */
    public static short toPcm16(float sample) {
        float clipped = Float.isNaN(sample) ? 0f : Math.max(-1f, Math.min(1f, sample));
        return (short) Math.round(clipped * 32767f);
    }

    /** Milliseconds of audio in {@code dataBytes} of 16-bit mono samples. */
    public static long durationMs(long dataBytes, int sampleRate) {
        return Math.round(dataBytes / (double) BYTES_PER_SAMPLE * 1000.0 / sampleRate);
    }

    /**
     * Reads the header of a 16-bit mono PCM WAV file (chunks other than {@code fmt } and {@code data} skipped).
     *
     * @throws IllegalArgumentException naming what is wrong when {@code wav} is not such a file
     */
    public static Info read(byte[] wav) {
        return parse(wav, false);
    }

    /**
     * Reads the header of a WAV file from its first bytes only (at least through the {@code data} chunk header),
     * reporting the data size the header declares.
     */
    public static Info readHeader(byte[] prefix) {
        return parse(prefix, true);
    }

    private static Info parse(byte[] wav, boolean declared) {
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        if (wav.length < 12 || !"RIFF".equals(chunkId(b, 0)) || !"WAVE".equals(chunkId(b, 8))) {
            throw new IllegalArgumentException("not a RIFF/WAVE file");
        }
        int pos = 12;
        Integer sampleRate = null;
        while (pos + 8 <= wav.length) {
            String id = chunkId(b, pos);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            int body = pos + 8;
            if ("fmt ".equals(id)) {
                short format = b.getShort(body);
                short channels = b.getShort(body + 2);
                short bits = b.getShort(body + 14);
                if (format != 1 || channels != 1 || bits != BITS_PER_SAMPLE) {
                    throw new IllegalArgumentException("expected 16-bit PCM mono, found format " + format + ", "
                            + channels + " channels, " + bits + " bits");
                }
                sampleRate = b.getInt(body + 4);
            } else if ("data".equals(id)) {
                if (sampleRate == null) {
                    throw new IllegalArgumentException("data chunk before fmt chunk");
                }
                long bytes = declared ? size : Math.min(size, wav.length - body);
                return new Info(sampleRate, body, bytes);
            }
            pos = (int) (body + size + (size & 1));
        }
        throw new IllegalArgumentException("no data chunk");
    }

    private static String chunkId(ByteBuffer b, int at) {
        byte[] id = new byte[4];
        b.get(at, id);
        return new String(id, StandardCharsets.US_ASCII);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Header facts of a WAV file.
     *
     * @param sampleRate samples per second
     * @param dataOffset offset of the first sample byte
     * @param dataBytes  bytes of samples
     */
    public record Info(int sampleRate, int dataOffset, long dataBytes) {

        public long samples() {
            return dataBytes / BYTES_PER_SAMPLE;
        }

        public long durationMs() {
            return Wav.durationMs(dataBytes, sampleRate);
        }
    }
}
