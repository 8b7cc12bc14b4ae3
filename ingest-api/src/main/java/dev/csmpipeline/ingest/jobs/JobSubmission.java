package dev.csmpipeline.ingest.jobs;

import io.swagger.v3.oas.annotations.media.Schema;

/**
 * The body of {@code POST /v1/jobs}. Unset fields take the self-hosted CSM server's defaults.
 *
 * @param text             words to speak, at most 2,000 characters (longer documents: /v1/narrations)
 * @param speakerId        CSM speaker id, 0 to 31; default 0
 * @param maxAudioLengthMs cap on audio length, 80 to 90,000 ms; default 10,000
 * @param temperature      sampling temperature, 0 to 2; default 0.9; 0 means greedy
 * @param topK             top-k sampling, 1 to 2,051; default 50; 1 means greedy
 * @param seed             sampler seed; the same seed gives the same audio
 * @param format           format the audio URL serves: mp3, opus, flac, wav (default) or pcm; the job is stored as
 *                         WAV and any format can still be asked for with {@code ?format=} on the download
 * @param voice            a registered voice's id (POST /v1/voices): its clip conditions the synthesis
 * @param stream           true to hear the audio as it is generated: GET /v1/jobs/{id}/audio/stream
 */
@Schema(description = "A text to synthesize asynchronously")
public record JobSubmission(
        @Schema(example = "Hello from Maya!") String text,
        @Schema(example = "0") Integer speakerId,
        @Schema(example = "10000") Integer maxAudioLengthMs,
        @Schema(example = "0.9") Double temperature,
        @Schema(example = "50") Integer topK,
        Long seed,
        @Schema(example = "mp3", description = "mp3, opus, flac, wav (default) or pcm") String format,
        @Schema(description = "id of a READY voice from POST /v1/voices") String voice,
        @Schema(example = "false", description = "true: the audio can be heard while it is generated, from "
                + "GET /v1/jobs/{id}/audio/stream") Boolean stream) {

    public JobSubmission(String text, Integer speakerId, Integer maxAudioLengthMs, Double temperature, Integer topK,
                         Long seed, String format) {
        this(text, speakerId, maxAudioLengthMs, temperature, topK, seed, format, null, null);
    }

    public JobSubmission(String text, Integer speakerId, Integer maxAudioLengthMs, Double temperature, Integer topK,
                         Long seed, String format, String voice) {
        this(text, speakerId, maxAudioLengthMs, temperature, topK, seed, format, voice, null);
    }
}
