package dev.csmpipeline.model;

/**
 * The format a client asked to receive a job's audio in: its audio URL serves this format unless the download names
 * another. Every job is stored as WAV (the master) whatever it says; the API encodes other formats on delivery, so
 * workers never look at it.
 */
public enum AudioFormat {
    /** RIFF WAVE, 16-bit signed PCM, mono, 24 kHz: the stored master. */
    WAV,
    /** MPEG Layer III. */
    MP3,
    /** Opus in Ogg. */
    OPUS,
    /** FLAC, lossless. */
    FLAC,
    /** Raw 16-bit little-endian samples, no header. */
    PCM
}
