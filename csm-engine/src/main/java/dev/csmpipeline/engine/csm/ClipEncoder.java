package dev.csmpipeline.engine.csm;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.csmpipeline.engine.EngineRejectedException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Mimi's encoder over a whole clip (docs/BUNDLE-FORMAT.md, section 4.5): 24 kHz mono PCM {@code (1, 1, samples)} to
 * codes {@code (1, num_codebooks, frames)}, {@code frames = ceil(samples / samples_per_frame)}, the last partial frame
 * zero-padded inside the graph. Stateless and shared; ONNX Runtime sessions accept concurrent calls.
 */
public final class ClipEncoder {

    private final OrtSession session;
    private final BundleManifest.Audio audio;
    private final ai.onnxruntime.OrtEnvironment env;

    public ClipEncoder(CsmGraphs graphs, BundleManifest manifest) {
        this.session = graphs.mimiEncoder().orElseThrow();
        this.audio = manifest.audio();
        this.env = graphs.env();
    }

    /**
     * Encodes a clip.
     *
     * @param pcm mono samples at the model's sample rate, nominally in [-1, 1]
     * @return {@code frames.get(f)[k]} = codebook k of frame f
     * @throws EngineRejectedException when the clip is shorter than one frame or holds a non-finite sample
     */
    public List<int[]> encodeClip(float[] pcm) {
        checkClip(pcm);
        FloatBuffer in = ByteBuffer.allocateDirect(pcm.length * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer().put(0, pcm); // (1, 1, samples)
        try (OnnxTensor pcmIn = OnnxTensor.createTensor(env, in, new long[] {1, 1, pcm.length});
                OrtSession.Result out = session.run(java.util.Map.of("pcm", pcmIn), Set.of("codes"))) {
            OnnxTensor codes = (OnnxTensor) out.get("codes").orElseThrow(); // (1, num_codebooks, frames)
            return framesOf(codes, expectedFrames(pcm.length));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed in the Mimi encoder: " + e.getMessage(), e);
        }
    }

    /** Frames a clip of {@code samples} samples encodes to: {@code ceil(samples / samples_per_frame)}. */
    public int expectedFrames(int samples) {
        return (samples + audio.samplesPerFrame() - 1) / audio.samplesPerFrame();
    }

    private void checkClip(float[] pcm) {
        if (pcm == null || pcm.length < audio.samplesPerFrame()) {
            throw new EngineRejectedException("a voice clip needs at least " + audio.samplesPerFrame() + " samples ("
                    + Math.round(audio.frameMs()) + " ms at " + audio.sampleRate() + " Hz), got "
                    + (pcm == null ? 0 : pcm.length) + ": record a longer clip");
        }
        for (int i = 0; i < pcm.length; i++) {
            if (!Float.isFinite(pcm[i])) {
                throw new EngineRejectedException("voice clip sample " + i + " is " + pcm[i]
                        + ": the decoded audio is corrupt, decode it again");
            }
        }
    }

    /** Codebook-major {@code (1, K, F)} codes to F frames of K codes. */
    private List<int[]> framesOf(OnnxTensor codes, int expected) {
        long[] shape = codes.getInfo().getShape();
        int k = audio.numCodebooks();
        int frames = (int) shape[2];
        if (shape[1] != k || frames != expected) {
            throw new IllegalStateException("mimi_encoder returned codes of shape " + java.util.Arrays.toString(shape)
                    + ", expected (1, " + k + ", " + expected + "): the bundle's encoder does not match its manifest");
        }
        LongBuffer flat = codes.getLongBuffer();
        List<int[]> out = new ArrayList<>(frames);
        for (int f = 0; f < frames; f++) {
            int[] frame = new int[k];
            for (int c = 0; c < k; c++) {
                frame[c] = (int) flat.get(c * frames + f);
            }
            out.add(frame);
        }
        return out;
    }
}
