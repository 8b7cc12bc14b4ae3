package dev.csmpipeline.model;

/** Container of the stored audio. Every job is stored as WAV; other formats are derived at delivery. */
public enum AudioFormat {
    /** RIFF WAVE, 16-bit signed PCM, mono, 24 kHz. */
    WAV
}
