package dev.csmpipeline.model;

/** Validation limits of requests, shared by the API (which rejects) and the workers (which re-check). */
public final class Limits {

    /** Most characters of text in one synthesis job; longer texts go through narration. */
    public static final int TEXT_MAX_CHARS = 2_000;
    /** Audio frame length of CSM's Mimi codec: 12.5 frames per second. */
    public static final int MS_PER_FRAME = 80;
    /** Shortest allowed {@code max_audio_length_ms}: one frame. */
    public static final int MAX_AUDIO_LENGTH_MS_MIN = MS_PER_FRAME;
    /** Longest allowed {@code max_audio_length_ms}: 90 s, 1,125 frames, within CSM's 2,048-position context. */
    public static final int MAX_AUDIO_LENGTH_MS_MAX = 90_000;
    /** Default {@code max_audio_length_ms} of the self-hosted CSM server. */
    public static final int MAX_AUDIO_LENGTH_MS_DEFAULT = 10_000;
    /** Speaker ids are CSM's conversation roles, written into the prompt as {@code [id]}. */
    public static final int SPEAKER_ID_MIN = 0;
    public static final int SPEAKER_ID_MAX = 31;
    /** Temperature 0 means argmax. */
    public static final double TEMPERATURE_MIN = 0.0;
    public static final double TEMPERATURE_MAX = 2.0;
    /** Top-k 1 means argmax; CSM's audio vocabulary has 2,051 ids per codebook. */
    public static final int TOP_K_MIN = 1;
    public static final int TOP_K_MAX = 2_051;
    /** Tenants and job ids are short printable identifiers. */
    public static final String TENANT_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";
    public static final String ID_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";
    public static final String DEFAULT_TENANT = "default";
    /** Largest narration document in UTF-8 bytes. */
    public static final int NARRATION_MAX_BYTES = 1_048_576;
    /** Most segments of one narration. */
    public static final int NARRATION_MAX_SEGMENTS = 20_000;
    /** Longest pause inserted between narration segments. */
    public static final int PAUSE_MS_MAX = 5_000;
    /** Default pause between narration segments. */
    public static final int PAUSE_MS_DEFAULT = 350;
    /** Default and allowed size of a narration segment in characters: short enough for CSM's best length. */
    public static final int SEGMENT_CHARS_DEFAULT = 250;
    /** Down to one short sentence a segment (dialogue lines, captions). */
    public static final int SEGMENT_CHARS_MIN = 20;
    public static final int SEGMENT_CHARS_MAX = 1_000;
    /** Largest WAV carried inline in a sync reply; larger audio travels by claim check through storage. */
    public static final int INLINE_REPLY_MAX_BYTES = 512 * 1024;

    /** Shortest voice reference clip: less than a second says too little about a voice. */
    public static final int VOICE_CLIP_MS_MIN = 1_000;
    /** Longest voice reference clip: 375 frames, leaving most of CSM-1B's 2,048 positions for the text and audio. */
    public static final int VOICE_CLIP_MS_MAX = 30_000;
    /** Largest voice upload: 30 s at 48 kHz, stereo, 24-bit is 8.6 MB; with the multipart envelope, 12 MiB. */
    public static final long VOICE_UPLOAD_MAX_BYTES = 12L * 1024 * 1024;
    /** Longest voice transcript (what the clip says). */
    public static final int VOICE_TRANSCRIPT_MAX_CHARS = 1_000;
    /** Longest voice name. */
    public static final int VOICE_NAME_MAX_CHARS = 100;
    /** Narration continuity modes: none (segments in parallel), previous (each conditioned on the one before). */
    public static final String CONTINUITY_NONE = "none";
    public static final String CONTINUITY_PREVIOUS = "previous";

    private Limits() {
    }

    /** Frames that {@code maxAudioLengthMs} allows: max_audio_length_ms / 80, at least one. */
    public static int maxFrames(int maxAudioLengthMs) {
        return Math.max(1, maxAudioLengthMs / MS_PER_FRAME);
    }
}
