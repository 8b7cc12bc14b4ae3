package dev.csmpipeline.model;

import java.time.Instant;

/**
 * One synthesis job as it travels on {@link Topics#REQUESTS} or {@link Topics#REQUESTS_INTERACTIVE}.
 * Required fields are boxed so that a record missing one is rejected by {@link Validation}, not read as zero.
 *
 * @param jobId            unique, unguessable id; also the Kafka key and the storage key
 * @param kind             sync call, async job or narration segment
 * @param text             the words to speak
 * @param speakerId        CSM speaker (conversation role)
 * @param maxAudioLengthMs cap on the audio length; frames at most max_audio_length_ms / 80
 * @param sampling         temperature, top-k and seed; null means CSM's defaults
 * @param format           stored audio container; null means WAV
 * @param tenant           owner of the job
 * @param requestedAt      when the API accepted it
 * @param deadline         for sync calls, when the caller stops waiting; null for none
 * @param narration        for narration segments, the segment's place; null otherwise
 * @param conditioning     the voice and context segments to condition on; null for none
 * @param clip             for {@link JobKind#VOICE} jobs, the clip to encode; null otherwise
 * @param stream           true when the caller wants the audio as it is generated ({@link Topics#AUDIO_CHUNKS});
 *                         null or false for the stored file only
 */
public record SynthesisRequest(
        String jobId,
        JobKind kind,
        String text,
        Integer speakerId,
        Integer maxAudioLengthMs,
        Sampling sampling,
        AudioFormat format,
        String tenant,
        Instant requestedAt,
        Instant deadline,
        NarrationRef narration,
        Conditioning conditioning,
        VoiceClip clip,
        Boolean stream) {

    /** A request that does not stream. */
    public SynthesisRequest(String jobId, JobKind kind, String text, Integer speakerId, Integer maxAudioLengthMs,
                            Sampling sampling, AudioFormat format, String tenant, Instant requestedAt,
                            Instant deadline, NarrationRef narration, Conditioning conditioning, VoiceClip clip) {
        this(jobId, kind, text, speakerId, maxAudioLengthMs, sampling, format, tenant, requestedAt, deadline,
                narration, conditioning, clip, null);
    }

    /** A request conditioned on nothing. */
    public SynthesisRequest(String jobId, JobKind kind, String text, Integer speakerId, Integer maxAudioLengthMs,
                            Sampling sampling, AudioFormat format, String tenant, Instant requestedAt,
                            Instant deadline, NarrationRef narration) {
        this(jobId, kind, text, speakerId, maxAudioLengthMs, sampling, format, tenant, requestedAt, deadline,
                narration, null, null);
    }

    /** The voice this request names, or null. */
    public String voiceId() {
        return conditioning == null ? null : conditioning.voiceId();
    }

    /** The same request conditioned on {@code c}. */
    public SynthesisRequest withConditioning(Conditioning c) {
        return new SynthesisRequest(jobId, kind, text, speakerId, maxAudioLengthMs, sampling, format, tenant,
                requestedAt, deadline, narration, c, clip, stream);
    }

    /** The same request, streaming its audio or not. */
    public SynthesisRequest withStream(boolean s) {
        return new SynthesisRequest(jobId, kind, text, speakerId, maxAudioLengthMs, sampling, format, tenant,
                requestedAt, deadline, narration, conditioning, clip, s ? Boolean.TRUE : null);
    }

    /** Whether the caller wants the audio as it is generated. */
    public boolean streams() {
        return Boolean.TRUE.equals(stream);
    }

    /** Sampling with defaults applied. */
    public Sampling effectiveSampling() {
        return sampling == null ? Sampling.defaults() : sampling.withDefaults();
    }

    /** Maximum number of audio frames this request may produce. */
    public int maxFrames() {
        return Limits.maxFrames(maxAudioLengthMs == null ? Limits.MAX_AUDIO_LENGTH_MS_DEFAULT : maxAudioLengthMs);
    }

    /** True once a sync caller has stopped waiting. */
    public boolean isExpired(Instant now) {
        return deadline != null && now.isAfter(deadline);
    }
}
