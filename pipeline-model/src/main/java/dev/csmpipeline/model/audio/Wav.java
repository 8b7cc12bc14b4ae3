package dev.csmpipeline.model.audio;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * RIFF WAVE files as the pipeline stores and serves them: 16-bit signed PCM, mono, with a {@code LIST/INFO} chunk
 * between {@code fmt } and {@code data} saying the audio is synthetic speech ({@link SyntheticSpeech}). Encodes
 * samples, writes headers for streamed assembly, and reads the header of a stored file. The INFO text is fixed, so
 * every header the pipeline writes has the same length, {@link #HEADER_BYTES}.
 */
public final class Wav {

    /** The {@code LIST} chunk of type {@code INFO}: comment, software and genre, each a zero-terminated string. */
    private static final byte[] INFO_CHUNK = infoChunk();

    /** Bytes of the header before the samples: RIFF, {@code fmt }, {@code LIST/INFO} and the data chunk header. */
    public static final int HEADER_BYTES = 44 + INFO_CHUNK.length;
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

    /** Samples in [-1, 1] (clipped outside) as 16-bit little-endian PCM, as {@link #encode} stores them. */
    public static byte[] pcm16(float[] pcm) {
        ByteBuffer b = ByteBuffer.allocate(pcm.length * BYTES_PER_SAMPLE).order(ByteOrder.LITTLE_ENDIAN);
        for (float sample : pcm) {
            b.putShort(toPcm16(sample));
        }
        return b.array();
    }

    /**
     * The header of a WAV file whose length is not known yet, for streaming: the RIFF and data sizes say
     * 0xFFFFFFFF ("as long as the stream"), which decoders read as "to the end of the data".
     */
    public static byte[] streamingHeader(int sampleRate) {
        byte[] h = header(0, sampleRate);
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(4, 0xFFFF_FFFF);
        b.putInt(h.length - 4, 0xFFFF_FFFF);
        return h;
    }

    /** A 44-byte header for {@code dataBytes} of 16-bit mono samples. */
    public static byte[] header(long dataBytes, int sampleRate) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        writeHeader(b, dataBytes, sampleRate);
        return b.array();
    }

    private static void writeHeader(ByteBuffer b, long dataBytes, int sampleRate) {
        if (dataBytes > 0xFFFF_FFFFL - (HEADER_BYTES - 8)) {
            throw new IllegalArgumentException("WAV data of " + dataBytes + " bytes exceeds the 4 GiB RIFF limit");
        }
        b.put(ascii("RIFF")).putInt((int) (HEADER_BYTES - 8 + dataBytes)).put(ascii("WAVE"))
                .put(ascii("fmt ")).putInt(16)
                .putShort((short) 1)                          // PCM
                .putShort((short) 1)                          // mono
                .putInt(sampleRate)
                .putInt(sampleRate * BYTES_PER_SAMPLE)        // byte rate
                .putShort((short) BYTES_PER_SAMPLE)           // block align
                .putShort((short) BITS_PER_SAMPLE)
                .put(INFO_CHUNK)
                .put(ascii("data")).putInt((int) dataBytes);
    }

    private static byte[] infoChunk() {
        String[][] entries = {{"ICMT", SyntheticSpeech.COMMENT}, {"ISFT", SyntheticSpeech.SOFTWARE},
                {"IGNR", SyntheticSpeech.GENRE}};
        int body = 4; // "INFO"
        for (String[] e : entries) {
            body += 8 + padded(e[1].length() + 1);
        }
        ByteBuffer b = ByteBuffer.allocate(8 + body).order(ByteOrder.LITTLE_ENDIAN);
        b.put(ascii("LIST")).putInt(body).put(ascii("INFO"));
        for (String[] e : entries) {
            byte[] text = ascii(e[1]);
            b.put(ascii(e[0])).putInt(text.length + 1).put(text).put((byte) 0);
            if (((text.length + 1) & 1) == 1) {
                b.put((byte) 0); // chunks are word-aligned
            }
        }
        return b.array();
    }

    private static int padded(int size) {
        return size + (size & 1);
    }

    /**
     * The {@code LIST/INFO} entries of a WAV file (id to text), for checking what a file says about itself; empty
     * when it has none.
     */
    public static java.util.Map<String, String> infoOf(byte[] wav) {
        java.util.Map<String, String> info = new java.util.LinkedHashMap<>();
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 12;
        while (pos + 8 <= wav.length) {
            String id = chunkId(b, pos);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            if ("LIST".equals(id) && size >= 4 && "INFO".equals(chunkId(b, pos + 8))) {
                int at = pos + 12;
                int end = (int) Math.min(wav.length, pos + 8 + size);
                while (at + 8 <= end) {
                    String key = chunkId(b, at);
                    int len = b.getInt(at + 4);
                    int textLen = len;
                    while (textLen > 0 && wav[at + 8 + textLen - 1] == 0) {
                        textLen--;
                    }
                    info.put(key, new String(wav, at + 8, textLen, StandardCharsets.US_ASCII));
                    at += 8 + padded(len);
                }
            }
            if ("data".equals(id)) {
                break;
            }
            pos = (int) (pos + 8 + size + (size & 1));
        }
        return info;
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
