package dev.csmpipeline.engine.csm;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.csmpipeline.engine.BundleException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Text to prompt token ids (docs/BUNDLE-FORMAT.md, section 2): {@code "[" + speaker + "]" + text} encoded with the
 * bundle's {@code tokenizer.json} with special tokens, so the ids are {@code [bos] + ids("[0]Hello") + [eos]}. Safe
 * for concurrent use.
 */
public final class PromptTokenizer implements AutoCloseable {

    static {
        DjlSettings.apply();
    }

    private final HuggingFaceTokenizer tokenizer;
    private final BundleManifest.Text text;

    private PromptTokenizer(HuggingFaceTokenizer tokenizer, BundleManifest.Text text) {
        this.tokenizer = tokenizer;
        this.text = text;
    }

    /** Loads {@code tokenizer.json} of a verified bundle. */
    public static PromptTokenizer load(Path bundleDir, BundleManifest.Text text) {
        Path file = bundleDir.resolve(text.tokenizerFile());
        // no truncation or padding: the engine checks the length against the context itself
        Map<String, String> options = Map.of("addSpecialTokens", Boolean.toString(text.addSpecialTokens()),
                "truncation", "false", "padding", "false", "maxLength", Integer.toString(Integer.MAX_VALUE));
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.newInstance(file, options);
        } catch (IOException | RuntimeException e) {
            throw new BundleException("tokenizer file " + text.tokenizerFile() + " cannot be loaded (" + e.getMessage()
                    + "): re-export the bundle with tools/csm-export", e);
        }
        PromptTokenizer t = new PromptTokenizer(tokenizer, text);
        t.checkTemplate();
        return t;
    }

    /** The text the model reads for one utterance, e.g. {@code [0]Hello from Sesame.} */
    public String promptText(int speakerId, String utterance) {
        return text.promptFormat().replace("{speaker}", Integer.toString(speakerId)).replace("{text}", utterance);
    }

    /** Token ids of {@code [speaker]text}, bos first and eos last; every id below {@code text.vocab_size}. */
    public long[] tokenizePrompt(int speakerId, String utterance) {
        Encoding encoding = tokenizer.encode(promptText(speakerId, utterance), text.addSpecialTokens(), false);
        long[] ids = encoding.getIds();
        for (long id : ids) {
            if (id < 0 || id >= text.vocabSize()) {
                throw new BundleException("tokenizer produced id " + id + " outside the text vocabulary (0.."
                        + (text.vocabSize() - 1) + "): tokenizer.json does not belong to this model; re-export the "
                        + "bundle");
            }
        }
        return ids;
    }

    /** The bundle's tokenizer must wrap every prompt in bos ... eos (the CSM template). */
    private void checkTemplate() {
        long[] ids = tokenizePrompt(0, "x");
        if (ids.length < 3 || ids[0] != text.bosTokenId() || ids[ids.length - 1] != text.eosTokenId()) {
            throw new BundleException("tokenizer.json does not wrap prompts as <|begin_of_text|> ... <|end_of_text|> "
                    + "(ids " + text.bosTokenId() + " ... " + text.eosTokenId() + "): re-export the bundle with "
                    + "tools/csm-export, which installs CSM's template");
        }
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
