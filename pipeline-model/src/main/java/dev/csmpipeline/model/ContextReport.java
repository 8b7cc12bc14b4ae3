package dev.csmpipeline.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a finished synthesis was actually conditioned on (SUCCEEDED event, job status): provably the voice's codes.
 * A narration segment's report also travels as user metadata of its stored audio, so the narration manifest can
 * name it per segment ({@link #toMetadata}, {@link #fromMetadata}).
 *
 * @param voiceId         the voice, or null
 * @param contextSegments context segments in the prompt
 * @param contextFrames   audio frames of those segments
 * @param promptPositions backbone positions of the whole prompt (context and text)
 */
public record ContextReport(String voiceId, int contextSegments, int contextFrames, int promptPositions) {

    private static final String VOICE = "csm-voice";
    private static final String SEGMENTS = "csm-context-segments";
    private static final String FRAMES = "csm-context-frames";
    private static final String POSITIONS = "csm-prompt-positions";

    /** Object metadata entries for this report. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        if (voiceId != null) {
            m.put(VOICE, voiceId);
        }
        m.put(SEGMENTS, Integer.toString(contextSegments));
        m.put(FRAMES, Integer.toString(contextFrames));
        m.put(POSITIONS, Integer.toString(promptPositions));
        return m;
    }

    /** The report stored with an object, or null when it carries none. */
    public static ContextReport fromMetadata(Map<String, String> metadata) {
        if (metadata == null || !metadata.containsKey(SEGMENTS)) {
            return null;
        }
        try {
            return new ContextReport(metadata.get(VOICE), Integer.parseInt(metadata.get(SEGMENTS)),
                    Integer.parseInt(metadata.getOrDefault(FRAMES, "0")),
                    Integer.parseInt(metadata.getOrDefault(POSITIONS, "0")));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
