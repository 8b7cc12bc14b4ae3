package dev.csmpipeline.model;

/**
 * What an ACCEPTED event records about the request, so the status table can answer without the text.
 *
 * @param kind             sync, async or narration segment
 * @param tenant           owner
 * @param speakerId        CSM speaker
 * @param maxAudioLengthMs cap on audio length
 * @param textChars        length of the text in characters
 * @param idempotencyKey   the client's Idempotency-Key, when it sent one
 * @param voiceId          the voice the request names, if any
 * @param clip             for a voice, its clip
 * @param format           the delivery format asked for; null means WAV
 */
public record JobInfo(JobKind kind, String tenant, Integer speakerId, Integer maxAudioLengthMs, Integer textChars,
                      String idempotencyKey, String voiceId, VoiceClip clip, AudioFormat format) {

    public JobInfo(JobKind kind, String tenant, Integer speakerId, Integer maxAudioLengthMs, Integer textChars,
                   String idempotencyKey) {
        this(kind, tenant, speakerId, maxAudioLengthMs, textChars, idempotencyKey, null, null, null);
    }

    public static JobInfo of(SynthesisRequest request, String idempotencyKey) {
        return new JobInfo(request.kind(), request.tenant(), request.speakerId(), request.maxAudioLengthMs(),
                request.text() == null ? null : request.text().length(), idempotencyKey, request.voiceId(),
                request.clip(), request.format());
    }
}
