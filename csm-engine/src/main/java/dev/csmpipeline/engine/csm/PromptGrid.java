package dev.csmpipeline.engine.csm;

import dev.csmpipeline.engine.EngineRejectedException;
import java.util.Arrays;
import java.util.List;

/**
 * The backbone's prompt (docs/BUNDLE-FORMAT.md, section 3): one 33-column frame per position, positions
 * {@code 0..P-1}, built as transformers' {@code CsmProcessor} and Sesame's generator build it:
 *
 * <pre>
 * for each context segment (oldest first):
 *     text frames       [bos] [spk]text [eos]      tokens [0]*32 + [id],   mask [false]*32 + [true]
 *     audio frames      one per Mimi frame          tokens [c0..c31, 0],   mask [true]*32 + [false]
 *     end-of-audio      transformers' audio_eos     tokens [0]*32 + [0],   mask [true]*32 + [false]
 * utterance text frames [bos] [spk]text [eos]
 * </pre>
 *
 * @param columns          frame columns (num_codebooks + 1)
 * @param tokens           (P, columns) row-major token ids; masked entries hold 0
 * @param mask             (P, columns) row-major mask
 * @param contextPositions positions taken by the context segments (text, audio and end-of-audio frames)
 * @param textPositions    positions taken by the utterance's text
 * @param contextFrames    audio frames of the context segments (end-of-audio frames not counted)
 */
public record PromptGrid(int columns, long[] tokens, boolean[] mask, int contextPositions, int textPositions,
        int contextFrames) {

    /** Backbone positions of the prompt (P). */
    public int positions() {
        return contextPositions + textPositions;
    }

    /** Row {@code p}'s tokens (a copy). */
    public long[] tokensAt(int p) {
        return Arrays.copyOfRange(tokens, p * columns, (p + 1) * columns);
    }

    /** Row {@code p}'s mask (a copy). */
    public boolean[] maskAt(int p) {
        return Arrays.copyOfRange(mask, p * columns, (p + 1) * columns);
    }

    /**
     * A context segment in token form: its tokenized {@code [speaker]text} and its Mimi codes.
     *
     * @param textIds     bos ... eos
     * @param audioFrames {@code audioFrames.get(f)[k]} = codebook k of frame f
     */
    public record Segment(long[] textIds, List<int[]> audioFrames) {
    }

    /** Builds the grid of {@code context} (oldest first) followed by the utterance's {@code textIds}. */
    public static PromptGrid build(BundleManifest.Audio audio, List<Segment> context, long[] textIds) {
        int contextPositions = 0;
        int contextFrames = 0;
        for (Segment s : context) {
            contextPositions += s.textIds().length + s.audioFrames().size() + 1;
            contextFrames += s.audioFrames().size();
        }
        Writer w = new Writer(audio, contextPositions + textIds.length);
        for (int i = 0; i < context.size(); i++) {
            w.contextSegment(context.get(i), i);
        }
        w.textFrames(textIds);
        return new PromptGrid(audio.frameColumns(), w.tokens, w.mask, contextPositions, textIds.length, contextFrames);
    }

    /** Fills the rows in order, one step per kind of frame. */
    private static final class Writer {
        private final BundleManifest.Audio audio;
        private final int columns;
        private final long[] tokens;
        private final boolean[] mask;
        private int row;

        Writer(BundleManifest.Audio audio, int positions) {
            this.audio = audio;
            this.columns = audio.frameColumns();
            this.tokens = new long[positions * columns];
            this.mask = new boolean[positions * columns];
        }

        /** A context segment: its text, its clip's frames, the end-of-audio frame. */
        void contextSegment(Segment s, int index) {
            textFrames(s.textIds());
            for (int f = 0; f < s.audioFrames().size(); f++) {
                audioFrame(checkedCodes(s.audioFrames().get(f), index, f));
            }
            endOfAudioFrame();
        }

        /** One frame per token: the id in the text column, only that column unmasked. */
        void textFrames(long[] ids) {
            for (long id : ids) {
                tokens[row * columns + audio.textColumn()] = id;
                mask[row * columns + audio.textColumn()] = true;
                row++;
            }
        }

        /** One Mimi frame: its codes in the codebook columns, those unmasked, the text column masked (0). */
        void audioFrame(int[] codes) {
            for (int k = 0; k < audio.numCodebooks(); k++) {
                tokens[row * columns + k] = codes[k];
                mask[row * columns + k] = true;
            }
            row++;
        }

        /** The frame closing a clip: every codebook {@code codebook_eos_token_id}, codebook columns unmasked. */
        void endOfAudioFrame() {
            int[] eos = new int[audio.numCodebooks()];
            Arrays.fill(eos, audio.codebookEosTokenId());
            audioFrame(eos);
        }

        private int[] checkedCodes(int[] codes, int segment, int frame) {
            if (codes == null || codes.length != audio.numCodebooks()) {
                throw new EngineRejectedException("context segment " + segment + ", frame " + frame + " has "
                        + (codes == null ? "no" : codes.length) + " codes; each frame needs " + audio.numCodebooks()
                        + " (one per codebook): encode the clip with this model's encodeAudio");
            }
            for (int k = 0; k < codes.length; k++) {
                if (codes[k] < 0 || codes[k] >= audio.mimiCodebookSize()) {
                    throw new EngineRejectedException("context segment " + segment + ", frame " + frame
                            + ", codebook " + k + " has code " + codes[k] + "; Mimi codes are 0.."
                            + (audio.mimiCodebookSize() - 1) + ": encode the clip with this model's encodeAudio");
                }
            }
            return codes;
        }
    }
}
