package dev.csmpipeline.worker.voices;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.csmpipeline.engine.ContextSegment;
import dev.csmpipeline.engine.EngineRejectedException;
import dev.csmpipeline.model.Conditioning;
import dev.csmpipeline.model.ContextRef;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.audio.CodeFrames;
import dev.csmpipeline.storage.client.ObjectStorage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The context segments of a request, loaded from the bucket: a voice's codes are read once and kept (a bounded
 * cache by codes key, so every job and narration segment with that voice reuses them); a previous narration
 * segment's codes are read each time (used once) and skipped when absent (that segment failed or had no audio).
 */
public class ContextLoader {

    private static final Logger log = LoggerFactory.getLogger(ContextLoader.class);
    /** Voices kept in memory: 30 s of codes is 375 x 32 ints, 48 KB, so 256 voices hold at most 12 MB. */
    public static final int MAX_CACHED_VOICES = 256;

    private final ObjectStorage storage;
    private final Cache<String, List<int[]>> voiceCodes;
    private final Counter voiceLoads;

    /**
     * @param maxVoices voices whose codes are kept in memory
     * @param registry  where {@code tts_voice_codes_loads_total} (reads of a voice's codes from the bucket: one per
     *                  voice while it stays cached) and {@code tts_voice_cache_entries} are reported
     */
    public ContextLoader(ObjectStorage storage, int maxVoices, MeterRegistry registry) {
        this.storage = storage;
        this.voiceCodes = Caffeine.newBuilder().maximumSize(maxVoices).build();
        this.voiceLoads = Counter.builder("tts.voice.codes.loads")
                .description("reads of a voice's codes from the bucket (cache misses)").register(registry);
        Gauge.builder("tts.voice.cache.entries", this, ContextLoader::cachedVoices)
                .description("voices whose codes the worker holds in memory").register(registry);
    }

    /**
     * The segments to put before the request's text, oldest first; empty for a request without conditioning.
     *
     * @throws EngineRejectedException when a voice's codes are gone (the voice was deleted)
     */
    public List<ContextSegment> segments(SynthesisRequest request) {
        Conditioning c = request.conditioning();
        if (c == null) {
            return List.of();
        }
        List<ContextSegment> segments = new ArrayList<>();
        for (ContextRef ref : c.context()) {
            if (ref.isVoice()) {
                segments.add(new ContextSegment(ref.speakerId(), ref.text(), voice(ref)));
            } else {
                Optional<List<int[]>> previous = storage.get(ref.codesKey()).map(CodeFrames::decode)
                        .filter(f -> !f.isEmpty());
                if (previous.isPresent()) {
                    segments.add(new ContextSegment(ref.speakerId(), ref.text(), previous.get()));
                } else {
                    log.info("event=context_segment_missing job={} source={} id={} reason=no_codes",
                            request.jobId(), ref.source(), ref.id());
                }
            }
        }
        return segments;
    }

    /** Voices whose codes are in memory now. */
    public long cachedVoices() {
        voiceCodes.cleanUp();
        return voiceCodes.estimatedSize();
    }

    private List<int[]> voice(ContextRef ref) {
        return voiceCodes.get(ref.codesKey(), key -> {
            voiceLoads.increment();
            return storage.get(key).map(CodeFrames::decode).orElseThrow(() -> new EngineRejectedException("voice " + ref.id() + " has no stored codes (it was "
                        + "deleted): register the voice again or send the request without it"));
        });
    }
}
