package dev.csmpipeline.audio;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The formats audio is delivered in. The pipeline stores every result as WAV (the master); each other format is
 * encoded from it in Java when it is asked for.
 */
public enum DeliveryFormat {

    /** MPEG-2 Layer III (24 kHz input), 64 kbit/s constant bit rate, mono; ID3v2.4 tag. OpenAI's default. */
    MP3("mp3", "audio/mpeg", "jump3r 1.0.5 (LAME 3.98 in Java)", "64 kbit/s CBR"),
    /** Opus in Ogg (RFC 7845), 24 kHz input coded directly, 20 ms frames, 32 kbit/s VBR, voice tuning. */
    OPUS("opus", "audio/ogg", "Concentus 1.0.2 (libopus 1.1 in Java) + vorbis-java-core 0.8 (Ogg)",
            "32 kbit/s VBR"),
    /** FLAC, lossless 16-bit mono, blocks of 4,096 samples; Vorbis comment block. */
    FLAC("flac", "audio/flac", "java-flac-encoder 0.3.7", "lossless"),
    /** RIFF WAVE, 16-bit PCM mono, with a LIST/INFO chunk: the stored master, served as it is stored. */
    WAV("wav", "audio/wav", "the pipeline's own (pipeline-model Wav)", "384 kbit/s (uncompressed)"),
    /** Raw samples, 16-bit signed little-endian mono at the model's rate (24 kHz), as OpenAI's pcm; no header. */
    PCM("pcm", "audio/pcm", "none (the WAV's samples)", "384 kbit/s (uncompressed)");

    /** Formats clients may know from OpenAI that are refused here, each with the reason given to the caller. */
    public static final String AAC_REFUSAL = "aac is not offered: no well-kept pure-Java AAC encoder exists (the "
            + "Java AAC libraries decode only), and this service encodes without native tools; ask for mp3 or opus";

    private final String wireName;
    private final String contentType;
    private final String encoder;
    private final String bitRate;

    DeliveryFormat(String wireName, String contentType, String encoder, String bitRate) {
        this.wireName = wireName;
        this.contentType = contentType;
        this.encoder = encoder;
        this.bitRate = bitRate;
    }

    /** The name clients use: {@code mp3}, {@code opus}, {@code flac}, {@code wav}, {@code pcm}. */
    public String wireName() {
        return wireName;
    }

    /** The HTTP Content-Type of a file in this format. */
    public String contentType() {
        return contentType;
    }

    /** File name extension, with the dot. */
    public String extension() {
        return "." + wireName;
    }

    /** Which library encodes it. */
    public String encoder() {
        return encoder;
    }

    /** The bit rate as stated to users. */
    public String bitRate() {
        return bitRate;
    }

    /** Whether the encoding loses information (its decoded audio differs from the WAV). */
    public boolean lossy() {
        return this == MP3 || this == OPUS;
    }

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(DeliveryFormat::wireName).toList();
    }

    /**
     * The format named {@code name} (case-insensitive).
     *
     * @throws UnsupportedFormatException naming the formats offered, with the reason for aac
     */
    public static DeliveryFormat parse(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (DeliveryFormat f : values()) {
            if (f.wireName.equals(n)) {
                return f;
            }
        }
        if (n.equals("aac")) {
            throw new UnsupportedFormatException(AAC_REFUSAL);
        }
        throw new UnsupportedFormatException("must be one of " + wireNames() + ", was '" + name + "'");
    }

    /** A format that is not offered; the message says what is and, for aac, why not. */
    public static final class UnsupportedFormatException extends IllegalArgumentException {
        public UnsupportedFormatException(String message) {
            super(message);
        }
    }
}
