package dev.csmpipeline.ingest.narration;

import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;

/**
 * The body of {@code POST /v1/narrations}: a document as plain text or as paragraphs.
 *
 * @param text             the document, up to 1 MB of UTF-8 (or use {@code paragraphs})
 * @param paragraphs       the document as paragraphs; a segment never spans two of them
 * @param speakerId        CSM speaker of every segment, 0 to 31; default 0
 * @param temperature      sampling temperature, 0 to 2; default 0.9
 * @param topK             top-k, 1 to 2,051; default 50
 * @param seed             sampler seed shared by all segments; default derived from the narration id
 * @param pauseMs          silence between segments in the final audio, 0 to 5,000; default 350
 * @param maxSegmentChars  longest segment in characters, 20 to 1,000; default 250
 * @param onSegmentFailure {@code fail} (default): a segment failing for good fails the narration; {@code gap}: the
 *                         narration completes and the manifest records the gap
 * @param language         BCP 47 language of the text, for sentence rules; default en
 * @param voice            a READY voice's id (POST /v1/voices): every segment is conditioned on its clip
 * @param continuity       {@code none} (default): segments in parallel, each conditioned on the voice only;
 *                         {@code previous}: each segment also on the previous segment's text and audio, so prosody
 *                         flows across the seam, but segments then run one after another
 * @param format           format the audio URL serves: mp3, opus, flac, wav (default) or pcm
 */
@Schema(description = "A long document to narrate")
public record NarrationSubmission(
        String text,
        List<String> paragraphs,
        @Schema(example = "0") Integer speakerId,
        Double temperature,
        Integer topK,
        Long seed,
        @Schema(example = "350") Integer pauseMs,
        @Schema(example = "250") Integer maxSegmentChars,
        @Schema(example = "fail") String onSegmentFailure,
        @Schema(example = "en") String language,
        @Schema(description = "id of a READY voice from POST /v1/voices") String voice,
        @Schema(example = "none", description = "none or previous") String continuity,
        @Schema(example = "mp3", description = "mp3, opus, flac, wav (default) or pcm") String format) {

    public NarrationSubmission(String text, List<String> paragraphs, Integer speakerId, Double temperature,
                               Integer topK, Long seed, Integer pauseMs, Integer maxSegmentChars,
                               String onSegmentFailure, String language) {
        this(text, paragraphs, speakerId, temperature, topK, seed, pauseMs, maxSegmentChars, onSegmentFailure,
                language, null, null, null);
    }
}
