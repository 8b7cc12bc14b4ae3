package dev.csmpipeline.engine.csm;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.csmpipeline.engine.BundleException;
import dev.csmpipeline.engine.EngineOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ONNX Runtime sessions of a loaded bundle (backbone, depth decoder, Mimi decoder, and the Mimi encoder when the
 * bundle has one) on one device. Immutable
 * and shared: ONNX Runtime sessions accept concurrent {@code run} calls, and every per-utterance buffer lives in a
 * {@link Generation}. The thread pool they run on is chosen by {@link EngineOptions#threadPools()} (see
 * {@link OrtRuntime}).
 *
 * @param env          the process-wide ONNX Runtime environment
 * @param backbone     backbone.onnx: prompt prefill or one frame, codebook-0 logits
 * @param depthDecoder depth_decoder.onnx: one depth step, logits of codebook 1..31
 * @param mimiDecoder  mimi_decoder.onnx: codes to PCM
 * @param mimiEncoder  mimi_encoder.onnx: PCM to codes; empty for a format-1 bundle
 * @param device       {@code cpu} or {@code cuda:N}, the device actually used
 * @param sharedPool   whether the sessions run on the process-wide thread pool (a session opened later for the same
 *                     engine, such as the streaming Mimi decoder, is opened the same way)
 */
public record CsmGraphs(OrtEnvironment env, OrtSession backbone, OrtSession depthDecoder, OrtSession mimiDecoder,
        java.util.Optional<OrtSession> mimiEncoder, String device, boolean sharedPool) implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CsmGraphs.class);

    /** Input and output names the engine feeds and reads (docs/BUNDLE-FORMAT.md, section 4). */
    static final Map<String, List<Set<String>>> SIGNATURES = Map.of(
            "backbone", List.of(Set.of("tokens", "tokens_mask", "position_ids", "attention_mask", "past_kv"),
                    Set.of("logits", "last_hidden", "new_kv")),
            "depth_decoder", List.of(Set.of("last_hidden", "tokens", "past_kv"), Set.of("logits", "new_kv")),
            "mimi_decoder", List.of(Set.of("codes"), Set.of("pcm")),
            "mimi_encoder", List.of(Set.of("pcm"), Set.of("codes")));

    /**
     * Opens the sessions of a verified bundle, each loaded from its file path (so ONNX Runtime finds external data
     * next to the graph), on the device {@code options} asks for.
     */
    public static CsmGraphs open(Path bundleDir, BundleManifest manifest, EngineOptions options) {
        OrtRuntime.Environment env = OrtRuntime.environment(options);
        String device = chooseDevice(options);
        try {
            return openOn(env, bundleDir, manifest, options, device);
        } catch (OrtException e) {
            if (device.equals("cpu")) {
                throw loadFailure(e);
            }
            if (!options.device().equals("auto")) {
                throw new IllegalStateException("device cuda was requested but the CUDA sessions failed to open ("
                        + e.getMessage() + "): check the GPU, CUDA 12 and cuDNN 9 on this host, or set the device "
                        + "(TTS_DEVICE / --device) to cpu or auto", e);
            }
            log.warn("event=device_fallback requested=auto device=cpu reason=\"CUDA sessions failed to open: {}\"",
                    e.getMessage());
            try {
                return openOn(env, bundleDir, manifest, options, "cpu");
            } catch (OrtException cpuFailure) {
                throw loadFailure(cpuFailure);
            }
        }
    }

    private static String chooseDevice(EngineOptions options) {
        boolean cuda = OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
        switch (options.device()) {
            case "cpu":
                return "cpu";
            case "cuda":
                if (!cuda) {
                    throw new IllegalStateException("device cuda was requested but this ONNX Runtime build has no CUDA "
                            + "execution provider: build with -Pgpu (onnxruntime_gpu) on a host with CUDA 12 and "
                            + "cuDNN 9, or set the device (TTS_DEVICE / --device) to cpu or auto");
                }
                return "cuda:" + options.cudaDeviceId();
            default: // auto
                if (!cuda) {
                    log.info("event=device_selected requested=auto device=cpu reason=\"this ONNX Runtime build has no "
                            + "CUDA execution provider (CPU build; -Pgpu builds onnxruntime_gpu)\"");
                    return "cpu";
                }
                return "cuda:" + options.cudaDeviceId();
        }
    }

    private static CsmGraphs openOn(OrtRuntime.Environment runtime, Path dir, BundleManifest manifest,
            EngineOptions options, String device) throws OrtException {
        OrtEnvironment env = runtime.env();
        BundleManifest.Graphs g = manifest.graphs();
        OrtSession backbone = null;
        OrtSession depth = null;
        OrtSession mimi = null;
        OrtSession encoder = null;
        try (SessionOptions so = sessionOptions(options, device, runtime.sharedPool())) {
            backbone = session(env, dir, g.backbone(), so);
            depth = session(env, dir, g.depthDecoder(), so);
            mimi = session(env, dir, g.mimiDecoder(), so);
            if (g.mimiEncoder().isPresent()) {
                encoder = session(env, dir, g.mimiEncoder().get(), so);
            }
            return new CsmGraphs(env, backbone, depth, mimi, java.util.Optional.ofNullable(encoder), device,
                    runtime.sharedPool());
        } catch (OrtException | RuntimeException e) {
            closeQuietly(backbone, depth, mimi, encoder);
            throw e;
        }
    }

    static SessionOptions sessionOptions(EngineOptions options, String device, boolean sharedPool)
            throws OrtException {
        SessionOptions so = new SessionOptions();
        so.setOptimizationLevel(SessionOptions.OptLevel.ALL_OPT);
        so.setExecutionMode(SessionOptions.ExecutionMode.SEQUENTIAL);
        so.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        if (sharedPool) {
            so.disablePerSessionThreads();
        } else {
            if (options.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(options.intraOpThreads());
            }
            if (options.interOpThreads() > 0) {
                so.setInterOpNumThreads(options.interOpThreads());
            }
        }
        if (device.startsWith("cuda")) {
            so.addCUDA(options.cudaDeviceId());
        }
        return so;
    }

    private static OrtSession session(OrtEnvironment env, Path dir, BundleManifest.Graph graph, SessionOptions so)
            throws OrtException {
        OrtSession s = env.createSession(dir.resolve(graph.file()).toString(), so);
        List<Set<String>> want = SIGNATURES.get(graph.key());
        if (!s.getInputNames().equals(want.get(0)) || !s.getOutputNames().containsAll(want.get(1))) {
            Set<String> in = s.getInputNames();
            Set<String> out = s.getOutputNames();
            s.close();
            throw new BundleException(graph.file() + " has inputs " + in + " and outputs " + out + ", but the engine "
                    + "needs inputs " + want.get(0) + " and outputs " + want.get(1) + " (docs/BUNDLE-FORMAT.md): "
                    + "re-export the bundle with tools/csm-export");
        }
        return s;
    }

    private static RuntimeException loadFailure(OrtException e) {
        return new BundleException("ONNX Runtime cannot load the bundle's graphs (" + e.getMessage() + "): check that "
                + "the bundle was exported by tools/csm-export for opset 18, or re-export it", e);
    }

    private static void closeQuietly(OrtSession... sessions) {
        for (OrtSession s : sessions) {
            if (s != null) {
                try {
                    s.close();
                } catch (OrtException ignored) {
                    // already failing; the first error is the one reported
                }
            }
        }
    }

    @Override
    public void close() {
        try {
            backbone.close();
            depthDecoder.close();
            mimiDecoder.close();
            if (mimiEncoder.isPresent()) {
                mimiEncoder.get().close();
            }
        } catch (OrtException e) {
            throw new IllegalStateException("closing ONNX Runtime sessions failed: " + e.getMessage(), e);
        }
    }
}
