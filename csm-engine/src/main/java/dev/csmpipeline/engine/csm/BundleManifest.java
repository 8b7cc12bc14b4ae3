package dev.csmpipeline.engine.csm;

import dev.csmpipeline.engine.BundleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A bundle's {@code manifest.json} (docs/BUNDLE-FORMAT.md, section 1): the one place where the manifest's JSON names
 * become Java names. Everything the engine needs about a model's dimensions, ids, rules and graph signatures comes
 * from here; nothing about CSM-1B's size is hard-coded elsewhere, so the tiny and the real model run through the same
 * code. Built by {@link #parse}, which validates as it reads and names the field that is missing or wrong.
 *
 * @param formatVersion bundle format: {@value #FORMAT_VERSION} (with the Mimi encoder) or
 *                      {@value #FORMAT_VERSION_WITHOUT_ENCODER} (without it: no voices)
 * @param model         what model the bundle holds
 * @param text          tokenizer and prompt facts
 * @param backbone      the backbone transformer's cache dimensions
 * @param depthDecoder  the depth decoder's cache dimensions
 * @param audio         codebook and frame layout, sample rate
 * @param generation    limits and default sampling
 * @param graphs        the ONNX graphs (three, or four with the Mimi encoder)
 * @param files         sha256 and size of every file except manifest.json, by file name
 */
public record BundleManifest(int formatVersion, Model model, Text text, Transformer backbone,
        Transformer depthDecoder, Audio audio, Generation generation, Graphs graphs, Map<String, FileEntry> files) {

    /** The format this engine writes about: four graphs, the fourth being the Mimi encoder. */
    public static final int FORMAT_VERSION = 2;
    /** The first format: no Mimi encoder, so no voice prompts from audio. Still loaded. */
    public static final int FORMAT_VERSION_WITHOUT_ENCODER = 1;
    /** The Mimi encoder's graph file in a format-2 bundle. */
    public static final String MIMI_ENCODER_FILE = "mimi_encoder.onnx";
    public static final String FILE_NAME = "manifest.json";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * @param name  e.g. {@code sesame/csm-1b}, {@code tiny-random}
     * @param kind  {@code pretrained}, {@code random-init} or {@code tiny-random}
     * @param dtype precision of backbone and depth decoder ({@code float32} or {@code float16})
     */
    public record Model(String name, String kind, String dtype) {
    }

    /**
     * @param tokenizerFile    the Hugging Face {@code tokenizer.json} of the bundle
     * @param vocabSize        rows of the text embedding: every prompt token id must be below it
     * @param bosTokenId       {@code <|begin_of_text|>}, first id of every prompt
     * @param eosTokenId       {@code <|end_of_text|>}, last id of every prompt
     * @param promptFormat     {@code [{speaker}]{text}}
     * @param addSpecialTokens encode with the tokenizer's post-processor (adds bos/eos)
     */
    public record Text(String tokenizerFile, int vocabSize, long bosTokenId, long eosTokenId, String promptFormat,
            boolean addSpecialTokens) {
    }

    /**
     * Cache dimensions of one transformer (backbone or depth decoder).
     *
     * @param numLayers  layers
     * @param hiddenSize model width
     * @param numKvHeads key/value heads
     * @param headDim    width of one head
     */
    public record Transformer(int numLayers, int hiddenSize, int numKvHeads, int headDim) {

        /** Elements of one cache position for batch 1: {@code (layers, 2, 1, kv_heads, head_dim)}. */
        public int kvElementsPerPosition() {
            return numLayers * 2 * numKvHeads * headDim;
        }
    }

    /**
     * @param numCodebooks       codebooks per frame (32)
     * @param audioVocabSize     ids per codebook the models predict (2051)
     * @param mimiCodebookSize   ids Mimi can decode (2048)
     * @param frameColumns       columns of a backbone input frame (numCodebooks + 1)
     * @param textColumn         the column of the text token (numCodebooks)
     * @param codebookEosTokenId the code of the end-of-speech frame (0)
     * @param sampleRate         PCM samples per second (24000)
     * @param samplesPerFrame    PCM samples per frame (1920 = 80 ms)
     */
    public record Audio(int numCodebooks, int audioVocabSize, int mimiCodebookSize, int frameColumns, int textColumn,
            int codebookEosTokenId, int sampleRate, int samplesPerFrame) {

        /** Milliseconds of audio per frame (80). */
        public double frameMs() {
            return samplesPerFrame * 1000.0 / sampleRate;
        }
    }

    /**
     * @param maxSeqLen           backbone positions (prompt plus generated frames)
     * @param maxAudioLengthMs    default audio cap (90 000 ms)
     * @param defaultTemperature  the checkpoint's sampling temperature
     * @param defaultTopK         the checkpoint's top-k
     * @param depthCallsPerFrame  depth-decoder calls per frame (numCodebooks - 1)
     */
    public record Generation(int maxSeqLen, int maxAudioLengthMs, double defaultTemperature, int defaultTopK,
            int depthCallsPerFrame) {
    }

    /**
     * The graphs, by their manifest keys.
     *
     * @param mimiEncoder PCM to codes; empty in a format-1 bundle
     */
    public record Graphs(Graph backbone, Graph depthDecoder, Graph mimiDecoder, java.util.Optional<Graph> mimiEncoder) {

        /** Every graph the bundle has. */
        public List<Graph> all() {
            List<Graph> out = new ArrayList<>(List.of(backbone, depthDecoder, mimiDecoder));
            mimiEncoder.ifPresent(out::add);
            return out;
        }
    }

    /**
     * @param key     manifest key ({@code backbone}, {@code depth_decoder}, {@code mimi_decoder})
     * @param file    the {@code .onnx} to load (external data next to it)
     * @param dtype   float type of hidden state and caches
     * @param inputs  in graph order
     * @param outputs in graph order
     */
    public record Graph(String key, String file, String dtype, List<TensorSpec> inputs, List<TensorSpec> outputs) {

        public TensorSpec input(String name) {
            return find(inputs, name, "input");
        }

        public TensorSpec output(String name) {
            return find(outputs, name, "output");
        }

        private TensorSpec find(List<TensorSpec> specs, String name, String what) {
            return specs.stream().filter(s -> s.name().equals(name)).findFirst()
                    .orElseThrow(() -> new BundleException(FILE_NAME + ": graph '" + key + "' declares no " + what
                            + " named '" + name + "'; this engine needs the graph signatures of docs/BUNDLE-FORMAT.md: "
                            + "re-export the bundle with tools/csm-export"));
        }
    }

    /**
     * @param name  tensor name in the graph
     * @param dtype {@code float32}, {@code float16}, {@code int64} or {@code bool}
     * @param shape one entry per axis: an Integer for a fixed size, a String for a named dynamic axis
     */
    public record TensorSpec(String name, String dtype, List<Object> shape) {

        /** The fixed size of axis {@code axis}; fails when that axis is dynamic. */
        public int fixed(int axis) {
            Object d = shape.get(axis);
            if (d instanceof Integer i) {
                return i;
            }
            throw new BundleException(FILE_NAME + ": axis " + axis + " of '" + name + "' is '" + d
                    + "' but this engine needs a fixed size there: re-export the bundle with tools/csm-export");
        }
    }

    /** @param sha256 lowercase hex digest  @param bytes file size */
    public record FileEntry(String sha256, long bytes) {
    }

    /** Reads and validates {@code bundleDir/manifest.json}. */
    public static BundleManifest read(Path bundleDir) {
        Path path = bundleDir.resolve(FILE_NAME);
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(path));
        } catch (NoSuchFileException e) {
            throw new BundleException("no " + FILE_NAME + " in " + bundleDir
                    + ": point the engine (CSM_MODEL_DIR or --model) at a bundle directory written by tools/csm-export");
        } catch (IOException | JacksonException e) {
            throw new BundleException(path + " cannot be read as JSON (" + e.getMessage()
                    + "): re-export the bundle with tools/csm-export", e);
        }
        return parse(root);
    }

    /** Parses and validates manifest JSON text. */
    public static BundleManifest fromJson(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JacksonException e) {
            throw new BundleException(FILE_NAME + " is not valid JSON (" + e.getOriginalMessage()
                    + "): re-export the bundle with tools/csm-export", e);
        }
        return parse(root);
    }

    /** Maps the manifest's JSON to this record, validating every field the engine uses. */
    public static BundleManifest parse(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new BundleException(FILE_NAME + " is not a JSON object: re-export the bundle with tools/csm-export");
        }
        Fields f = new Fields(root, "");
        int version = f.integer("format_version");
        if (version != FORMAT_VERSION && version != FORMAT_VERSION_WITHOUT_ENCODER) {
            throw new BundleException(FILE_NAME + " has format_version " + version + " but this engine reads only "
                    + "format_version " + FORMAT_VERSION_WITHOUT_ENCODER + " and " + FORMAT_VERSION + ": export the "
                    + "bundle with the tools/csm-export of this repository, or use an engine that knows version "
                    + version);
        }
        Model model = new Model(f.string("model.name"), f.string("model.kind"), f.string("model.dtype"));
        Text text = new Text(f.string("text.tokenizer_file"), f.integer("text.vocab_size"),
                f.integer("text.bos_token_id"), f.integer("text.eos_token_id"), f.string("text.prompt_format"),
                f.bool("text.add_special_tokens"));
        Transformer backbone = transformer(f, "backbone");
        Transformer depth = transformer(f, "depth_decoder");
        Audio audio = new Audio(f.integer("audio.num_codebooks"), f.integer("audio.audio_vocab_size"),
                f.integer("audio.mimi_codebook_size"), f.integer("audio.frame_columns"),
                f.integer("audio.text_column"), f.integer("audio.codebook_eos_token_id"),
                f.integer("audio.sample_rate"), f.integer("audio.samples_per_frame"));
        Generation generation = new Generation(f.integer("generation.max_seq_len"),
                f.integer("generation.max_audio_length_ms_default"),
                f.number("generation.default_sampling.temperature"), f.integer("generation.default_sampling.top_k"),
                f.integer("generation.depth_decoder_calls_per_frame"));
        // format 2 adds the Mimi encoder; format 1 has none (voices then need a re-export)
        java.util.Optional<Graph> encoder = version >= FORMAT_VERSION
                ? java.util.Optional.of(graph(f, "mimi_encoder")) : java.util.Optional.empty();
        Graphs graphs = new Graphs(graph(f, "backbone"), graph(f, "depth_decoder"), graph(f, "mimi_decoder"), encoder);
        Map<String, FileEntry> files = new LinkedHashMap<>();
        JsonNode filesNode = f.object("files");
        for (String name : filesNode.propertyNames()) {
            // file names contain dots, so each entry is read as its own object rather than by dotted path
            Fields entry = new Fields(filesNode.get(name), "files[\"" + name + "\"].");
            files.put(name, new FileEntry(entry.string("sha256"), entry.longInteger("bytes")));
        }
        BundleManifest m = new BundleManifest(version, model, text, backbone, depth, audio, generation, graphs,
                Map.copyOf(files));
        m.checkConsistency();
        return m;
    }

    private static Transformer transformer(Fields f, String key) {
        return new Transformer(f.integer(key + ".num_layers"), f.integer(key + ".hidden_size"),
                f.integer(key + ".num_kv_heads"), f.integer(key + ".head_dim"));
    }

    private static Graph graph(Fields f, String key) {
        String at = "graphs." + key;
        return new Graph(key, f.string(at + ".file"), f.string(at + ".dtype"), tensors(f, at + ".inputs"),
                tensors(f, at + ".outputs"));
    }

    private static List<TensorSpec> tensors(Fields f, String at) {
        JsonNode list = f.node(at);
        if (!list.isArray()) {
            throw f.wrong(at, "a list of {name, dtype, shape}");
        }
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String item = at + "[" + i + "]";
            JsonNode n = list.get(i);
            JsonNode shape = n.path("shape");
            if (!n.path("name").isString() || !n.path("dtype").isString() || !shape.isArray()) {
                throw f.wrong(item, "{name, dtype, shape}");
            }
            List<Object> dims = new ArrayList<>();
            for (JsonNode d : shape) {
                dims.add(d.isIntegralNumber() ? (Object) d.intValue() : d.asString());
            }
            specs.add(new TensorSpec(n.get("name").stringValue(), n.get("dtype").stringValue(), List.copyOf(dims)));
        }
        return List.copyOf(specs);
    }

    /** Cross-field rules the engine relies on (frame layout, cache shapes of the graphs). */
    private void checkConsistency() {
        if (audio.frameColumns() != audio.numCodebooks() + 1 || audio.textColumn() != audio.numCodebooks()) {
            throw inconsistent("audio.frame_columns must be num_codebooks + 1 and audio.text_column num_codebooks, "
                    + "found " + audio.frameColumns() + " and " + audio.textColumn());
        }
        if (generation.depthCallsPerFrame() != audio.numCodebooks() - 1) {
            throw inconsistent("generation.depth_decoder_calls_per_frame must be num_codebooks - 1, found "
                    + generation.depthCallsPerFrame());
        }
        graphs.mimiEncoder().ifPresent(g -> {
            // codes: (batch, num_codebooks, frames)
            if (g.output("codes").shape().size() != 3 || g.output("codes").fixed(1) != audio.numCodebooks()) {
                throw inconsistent("graphs.mimi_encoder codes shape " + g.output("codes").shape() + " must be "
                        + "(batch, " + audio.numCodebooks() + ", frames)");
            }
        });
        checkCache(graphs.backbone(), backbone, "backbone");
        checkCache(graphs.depthDecoder(), depthDecoder, "depth_decoder");
        if (!kvDtype().equals(graphs.depthDecoder().input("past_kv").dtype())
                || !kvDtype().equals(graphs.backbone().output("last_hidden").dtype())) {
            throw inconsistent("backbone and depth decoder must share one float type for caches and last_hidden");
        }
        if (!kvDtype().equals("float32") && !kvDtype().equals("float16")) {
            throw inconsistent("past_kv dtype must be float32 or float16, found " + kvDtype());
        }
        if (!files.containsKey(text.tokenizerFile())) {
            throw inconsistent("'files' does not list the tokenizer file " + text.tokenizerFile());
        }
        for (Graph g : graphs.all()) {
            if (!files.containsKey(g.file())) {
                throw inconsistent("'files' does not list " + g.file() + " (graph " + g.key() + ")");
            }
        }
    }

    private static void checkCache(Graph g, Transformer t, String key) {
        TensorSpec past = g.input("past_kv");
        // past_kv: (past_seq, layers, 2, batch, kv_heads, head_dim)
        if (past.shape().size() != 6 || past.fixed(1) != t.numLayers() || past.fixed(2) != 2
                || past.fixed(4) != t.numKvHeads() || past.fixed(5) != t.headDim()) {
            throw inconsistent("graphs." + key + " past_kv shape " + past.shape() + " does not match " + key
                    + " (num_layers " + t.numLayers() + ", num_kv_heads " + t.numKvHeads() + ", head_dim "
                    + t.headDim() + ")");
        }
    }

    private static BundleException inconsistent(String what) {
        return new BundleException(FILE_NAME + " is inconsistent: " + what + "; re-export the bundle with "
                + "tools/csm-export");
    }

    /** Float type of caches and last_hidden ({@code float32} or {@code float16}). */
    public String kvDtype() {
        return graphs.backbone().input("past_kv").dtype();
    }

    /** Bytes of one cache element. */
    public int kvElementBytes() {
        return kvDtype().equals("float16") ? 2 : 4;
    }

    /** Required-field reader over dotted paths; every failure names the path. */
    private record Fields(JsonNode root, String prefix) {

        JsonNode node(String path) {
            JsonNode n = root;
            for (String part : path.split("\\.")) {
                n = n.path(part);
            }
            if (n.isMissingNode() || n.isNull()) {
                throw new BundleException(FILE_NAME + ": required field '" + prefix + path + "' is missing; re-export the "
                        + "bundle with tools/csm-export (format_version " + FORMAT_VERSION + ")");
            }
            return n;
        }

        JsonNode object(String path) {
            JsonNode n = node(path);
            if (!n.isObject()) {
                throw wrong(path, "an object");
            }
            return n;
        }

        String string(String path) {
            JsonNode n = node(path);
            if (!n.isString()) {
                throw wrong(path, "a string");
            }
            return n.stringValue();
        }

        int integer(String path) {
            JsonNode n = node(path);
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw wrong(path, "an integer");
            }
            return n.intValue();
        }

        long longInteger(String path) {
            JsonNode n = node(path);
            if (!n.isIntegralNumber() || !n.canConvertToLong()) {
                throw wrong(path, "an integer");
            }
            return n.longValue();
        }

        double number(String path) {
            JsonNode n = node(path);
            if (!n.isNumber()) {
                throw wrong(path, "a number");
            }
            return n.doubleValue();
        }

        boolean bool(String path) {
            JsonNode n = node(path);
            if (!n.isBoolean()) {
                throw wrong(path, "true or false");
            }
            return n.booleanValue();
        }

        BundleException wrong(String path, String expected) {
            return new BundleException(FILE_NAME + ": field '" + prefix + path + "' must be " + expected + "; re-export the "
                    + "bundle with tools/csm-export");
        }
    }
}
