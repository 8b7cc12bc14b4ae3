package dev.csmpipeline.engine.csm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.csmpipeline.engine.BundleException;
import dev.csmpipeline.engine.EngineOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mimi decoded as the frames arrive: the bundle's optional {@code mimi_decoder_stream.onnx} (docs/BUNDLE-FORMAT.md,
 * "Streaming Mimi decoder") takes the codes of a chunk of frames plus the decoder's carried state (the decoder
 * transformer's sliding-window cache and position, each causal convolution's last inputs, each transposed
 * convolution's overhang) and returns the chunk's PCM plus the next state. Decoding a sequence chunk by chunk gives
 * the one-shot {@code mimi_decoder} PCM within float rounding (the exporter checks 1e-4).
 *
 * <pre>
 * state = zeros                                   (one {@link State} per synthesis)
 * for each chunk of n frames:  pcm[n * 1920], state = stream(codes (1, 32, n), state)
 * </pre>
 *
 * Shared by concurrent calls (the session is thread-safe); each synthesis owns its {@link State}.
 */
public final class StreamingMimi implements AutoCloseable {

    /** The manifest key of the graph; absent in bundles exported before it existed. */
    public static final String GRAPH_KEY = "mimi_decoder_stream";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final OrtEnvironment env;
    private final OrtSession session;
    private final List<StateSpec> stateSpecs; // the inputs after codes, in graph order
    private final int numCodebooks;
    private final int samplesPerFrame;
    private final int mimiCodebookSize;
    private final int maxChunkFrames;

    /** One carried state input: {@code name} in, {@code name + "_out"} out; shape with the batch axis set to 1. */
    record StateSpec(String name, boolean int64, long[] shape) {
    }

    private StreamingMimi(OrtEnvironment env, OrtSession session, List<StateSpec> stateSpecs,
            BundleManifest.Audio audio, int maxChunkFrames) {
        this.env = env;
        this.session = session;
        this.stateSpecs = stateSpecs;
        this.numCodebooks = audio.numCodebooks();
        this.samplesPerFrame = audio.samplesPerFrame();
        this.mimiCodebookSize = audio.mimiCodebookSize();
        this.maxChunkFrames = maxChunkFrames;
    }

    /**
     * Opens the streaming decoder of a bundle, or empty when the bundle has none (exported before the streaming
     * graph existed: re-export it to stream).
     */
    public static Optional<StreamingMimi> open(CsmGraphs graphs, Path bundleDir, BundleManifest manifest,
            EngineOptions options) {
        OrtEnvironment env = graphs.env();
        JsonNode graph;
        try {
            graph = JSON.readTree(Files.readString(bundleDir.resolve(BundleManifest.FILE_NAME)))
                    .path("graphs").path(GRAPH_KEY);
        } catch (IOException e) {
            throw new BundleException(bundleDir.resolve(BundleManifest.FILE_NAME) + " cannot be read ("
                    + e.getMessage() + "): re-export the bundle with tools/csm-export", e);
        }
        if (graph.isMissingNode()) {
            return Optional.empty();
        }
        List<StateSpec> specs = stateSpecs(graph.path("inputs"));
        try (OrtSession.SessionOptions so = CsmGraphs.sessionOptions(options, graphs.device(),
                graphs.sharedPool())) { // as the other graphs
            OrtSession s = env.createSession(bundleDir.resolve(graph.path("file").asString()).toString(), so);
            return Optional.of(new StreamingMimi(env, s, specs, manifest.audio(), maxFrames(graph)));
        } catch (OrtException e) {
            throw new BundleException("ONNX Runtime cannot load " + GRAPH_KEY + " (" + e.getMessage()
                    + "): re-export the bundle with tools/csm-export", e);
        }
    }

    /** The state inputs: every input after {@code codes}, batch axis 1. */
    private static List<StateSpec> stateSpecs(JsonNode inputs) {
        if (!inputs.isArray() || inputs.size() < 2 || !"codes".equals(inputs.get(0).path("name").asString())) {
            throw new BundleException(BundleManifest.FILE_NAME + ": graphs." + GRAPH_KEY + ".inputs must be codes "
                    + "followed by the decoder state: re-export the bundle with tools/csm-export");
        }
        List<StateSpec> specs = new ArrayList<>();
        for (int i = 1; i < inputs.size(); i++) {
            JsonNode in = inputs.get(i);
            JsonNode shape = in.path("shape");
            long[] dims = new long[shape.size()];
            for (int d = 0; d < dims.length; d++) {
                dims[d] = shape.get(d).isIntegralNumber() ? shape.get(d).longValue() : 1; // "batch" -> 1
            }
            specs.add(new StateSpec(in.path("name").asString(), "int64".equals(in.path("dtype").asString()), dims));
        }
        return List.copyOf(specs);
    }

    /** The chunk axis' upper bound. */
    private static int maxFrames(JsonNode graph) {
        JsonNode max = graph.path("max_chunk_frames");
        if (!max.isIntegralNumber() || max.intValue() < 1) {
            throw new BundleException(BundleManifest.FILE_NAME + ": graphs." + GRAPH_KEY + ".max_chunk_frames must "
                    + "be a positive integer: re-export the bundle with tools/csm-export");
        }
        return max.intValue();
    }

    /** The most frames one {@link #decode} call takes. */
    public int maxChunkFrames() {
        return maxChunkFrames;
    }

    /** A fresh decoder state (all zeros): the start of a synthesis. */
    public State newState() {
        Map<String, OnnxTensor> tensors = new HashMap<>();
        try {
            for (StateSpec s : stateSpecs) {
                long n = 1;
                for (long d : s.shape()) {
                    n *= d;
                }
                ByteBuffer bytes = ByteBuffer.allocateDirect(Math.toIntExact(n * (s.int64() ? Long.BYTES
                        : Float.BYTES))).order(ByteOrder.nativeOrder()); // zero-filled
                tensors.put(s.name(), s.int64() ? OnnxTensor.createTensor(env, bytes.asLongBuffer(), s.shape())
                        : OnnxTensor.createTensor(env, bytes.asFloatBuffer(), s.shape()));
            }
        } catch (OrtException e) {
            tensors.values().forEach(OnnxTensor::close);
            throw new IllegalStateException("cannot allocate the streaming Mimi state: " + e.getMessage(), e);
        }
        return new State(tensors);
    }

    /**
     * Decodes the next {@code frames} (1 to {@link #maxChunkFrames}) of a sequence: {@code frames.size() *
     * samples_per_frame} samples, advancing {@code state}. Codes Mimi cannot decode (2048..2050) become 0.
     */
    public float[] decode(State state, List<int[]> frames) {
        int n = frames.size();
        if (n < 1 || n > maxChunkFrames) {
            throw new IllegalArgumentException("a streaming Mimi chunk holds 1 to " + maxChunkFrames + " frames, got "
                    + n);
        }
        LongBuffer codes = ByteBuffer.allocateDirect(numCodebooks * n * Long.BYTES).order(ByteOrder.nativeOrder())
                .asLongBuffer(); // (1, num_codebooks, n)
        for (int f = 0; f < n; f++) {
            int[] frame = frames.get(f);
            for (int k = 0; k < numCodebooks; k++) {
                int c = frame[k];
                codes.put(k * n + f, c >= 0 && c < mimiCodebookSize ? c : 0);
            }
        }
        try (OnnxTensor in = OnnxTensor.createTensor(env, codes, new long[] {1, numCodebooks, n})) {
            Map<String, OnnxTensor> inputs = new HashMap<>(state.tensors);
            inputs.put("codes", in);
            OrtSession.Result out = session.run(inputs);
            FloatBuffer pcm = ((OnnxTensor) out.get("pcm").orElseThrow()).getFloatBuffer(); // (1, 1, samples)
            if (pcm.remaining() != n * samplesPerFrame) {
                out.close();
                throw new IllegalStateException(GRAPH_KEY + " returned " + pcm.remaining() + " samples for " + n
                        + " frames, expected " + n * samplesPerFrame + ": re-export the bundle");
            }
            float[] samples = new float[n * samplesPerFrame];
            pcm.get(samples);
            state.advance(stateSpecs, out);
            return samples;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed in the streaming Mimi decoder: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close " + GRAPH_KEY + ": " + e.getMessage(), e);
        }
    }

    /**
     * The decoder's carried state of one synthesis (not thread-safe). The tensors of a step's result become the next
     * step's inputs without a copy; {@link #close} frees them.
     */
    public static final class State implements AutoCloseable {

        private Map<String, OnnxTensor> tensors;
        private AutoCloseable owner; // the zero tensors at first, then the last step's result

        private State(Map<String, OnnxTensor> zeros) {
            this.tensors = zeros;
            this.owner = () -> zeros.values().forEach(OnnxTensor::close);
        }

        private void advance(List<StateSpec> specs, OrtSession.Result out) {
            Map<String, OnnxTensor> next = new HashMap<>();
            for (StateSpec s : specs) {
                OnnxValue v = out.get(s.name() + "_out").orElseThrow(() -> new IllegalStateException(GRAPH_KEY
                        + " has no output " + s.name() + "_out: re-export the bundle"));
                next.put(s.name(), (OnnxTensor) v);
            }
            closeOwner();
            tensors = next;
            owner = out;
        }

        private void closeOwner() {
            try {
                owner.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot free the streaming Mimi state: " + e.getMessage(), e);
            }
        }

        @Override
        public void close() {
            if (owner != null) {
                closeOwner();
                owner = null;
            }
        }
    }
}
