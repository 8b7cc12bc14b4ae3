package dev.csmpipeline.ingest.voices;

import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.VoiceClip;
import java.time.Instant;

/**
 * A voice as clients see it ({@code GET /v1/voices/{id}}).
 *
 * @param id               the voice id, to pass as {@code voice} in synthesis requests
 * @param state            QUEUED (uploaded), RUNNING (a worker encodes it), READY, FAILED
 * @param name             the label given at upload
 * @param transcript       what the clip says
 * @param speakerId        the CSM speaker the clip is attributed to in prompts
 * @param durationMs       length of the clip
 * @param frames           Mimi frames of the clip (12.5 a second): context positions it takes in every prompt
 * @param sourceSampleRate sample rate of the upload (resampled to 24 kHz)
 * @param sourceChannels   channels of the upload (mixed down to mono)
 * @param createdAt        when it was uploaded
 * @param readyAt          when it became READY or FAILED
 * @param model            the model whose Mimi encoded it
 * @param error            why it failed, once FAILED
 * @param statusUrl        this resource
 */
public record VoiceView(String id, String state, String name, String transcript, Integer speakerId, Long durationMs,
                        Integer frames, Integer sourceSampleRate, Integer sourceChannels, Instant createdAt,
                        Instant readyAt, String model, ErrorView error, String statusUrl) {

    /** Why encoding failed. */
    public record ErrorView(String code, String message) {
    }

    /** The voice-facing name of a job state: a voice whose job SUCCEEDED is READY. */
    static String stateOf(JobState s) {
        return s == JobState.SUCCEEDED ? "READY" : s.name();
    }

    static VoiceView of(JobStatus s) {
        VoiceClip clip = s.clip();
        Integer frames = s.result() == null ? null : s.result().frames();
        return new VoiceView(s.jobId(), stateOf(s.state()), clip == null ? null : clip.name(),
                clip == null ? null : clip.transcript(), s.speakerId(), clip == null ? null : clip.clipMs(), frames,
                clip == null ? null : clip.sourceSampleRate(), clip == null ? null : clip.sourceChannels(),
                s.acceptedAt(), s.finishedAt(), s.model(),
                s.error() == null ? null : new ErrorView(s.error().code(), s.error().message()),
                "/v1/voices/" + s.jobId());
    }
}
