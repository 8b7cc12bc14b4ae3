package dev.csmpipeline.worker.voices;

import dev.csmpipeline.engine.EngineRejectedException;
import dev.csmpipeline.engine.SpeechEngine;
import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.VoiceClip;
import dev.csmpipeline.model.audio.CodeFrames;
import dev.csmpipeline.model.audio.Resampler;
import dev.csmpipeline.model.audio.WavReader;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StoredObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a voice's uploaded clip into the Mimi codes every request with that voice is conditioned on: read the clip,
 * mix it down to mono, resample it to the model's rate, encode it, store the codes under the tenant's prefix.
 */
public class VoiceEncoder {

    private static final Logger log = LoggerFactory.getLogger(VoiceEncoder.class);
    /** User metadata of the codes object: its frame count. */
    static final String FRAMES = "frames";

    private final SpeechEngine engine;
    private final ObjectStorage storage;

    public VoiceEncoder(SpeechEngine engine, ObjectStorage storage) {
        this.engine = engine;
        this.storage = storage;
    }

    /** The codes an earlier delivery of this voice job already stored, if any. */
    public Optional<AudioResult> stored(SynthesisRequest request) {
        VoiceClip clip = request.clip();
        return storage.stat(clip.codesKey()).filter(o -> o.sha256() != null).map(o -> resultOf(clip, o));
    }

    /**
     * Encodes the clip and stores its codes.
     *
     * @throws EngineRejectedException when the clip is gone, unreadable, or the model cannot encode audio
     */
    public AudioResult encode(SynthesisRequest request) {
        VoiceClip clip = request.clip();
        long t0 = System.nanoTime();
        byte[] wav = storage.get(clip.clipKey()).orElseThrow(() -> new EngineRejectedException(
                "the clip of voice " + request.jobId() + " is no longer stored (deleted?): register it again"));
        WavReader.Clip decoded;
        try {
            decoded = WavReader.read(wav);
        } catch (WavReader.NotWavException e) {
            throw new EngineRejectedException("the clip " + e.getMessage());
        }
        int rate = engine.info().sampleRate();
        float[] pcm = Resampler.resample(decoded.mono(), decoded.header().sampleRate(), rate);
        List<int[]> codes = engine.encodeAudio(pcm);
        StoredObject stored = storage.put(clip.codesKey(), CodeFrames.encode(codes), CodeFrames.CONTENT_TYPE,
                Map.of("voice-id", request.jobId(), FRAMES, Integer.toString(codes.size())));
        log.info("event=voice_encoded voice={} clip_ms={} source_rate={} channels={} frames={} took_ms={}",
                request.jobId(), decoded.header().durationMs(), decoded.header().sampleRate(),
                decoded.header().channels(), codes.size(), (System.nanoTime() - t0) / 1_000_000);
        return resultOf(clip, stored).withSynthesisMs((System.nanoTime() - t0) / 1_000_000);
    }

    private AudioResult resultOf(VoiceClip clip, StoredObject codes) {
        String frames = codes.metadata() == null ? null : codes.metadata().get(FRAMES);
        return new AudioResult(codes.key(), clip.clipMs() == null ? 0 : clip.clipMs(), engine.info().sampleRate(),
                codes.size(), codes.sha256(), frames == null ? null : Integer.valueOf(frames));
    }
}
