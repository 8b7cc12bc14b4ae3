package dev.csmpipeline.worker.narration;

import dev.csmpipeline.model.NarrationPlan;
import dev.csmpipeline.model.NarrationRef;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.worker.jobs.EventPublisher;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Narrations with continuity run their segments one after another, each conditioned on the one before: the API
 * queues only the first, and whichever way a segment ends (succeeded, failed, cancelled, dead-lettered) the worker
 * queues the next from the narration's plan before committing, so every accepted segment still reaches a terminal
 * state. A redelivered segment queues its successor again; that one finds its stored result and is not
 * synthesized twice.
 */
public class NarrationChain {

    private static final Logger log = LoggerFactory.getLogger(NarrationChain.class);

    private final ObjectStorage storage;
    private final EventPublisher events;
    private final Clock clock;

    public NarrationChain(ObjectStorage storage, EventPublisher events, Clock clock) {
        this.storage = storage;
        this.events = events;
        this.clock = clock;
    }

    /** True when {@code request}'s successor is for this worker to queue. */
    public static boolean continues(SynthesisRequest request) {
        NarrationRef n = request.narration();
        return n != null && n.isChained() && n.hasNext();
    }

    /** Queues the segment after {@code finished}, durably; nothing for the last segment or unchained narrations. */
    public void queueNext(SynthesisRequest finished) {
        if (!continues(finished)) {
            return;
        }
        NarrationRef n = finished.narration();
        NarrationPlan plan = storage.get(ObjectKeys.narrationPlan(n.narrationId()))
                .map(b -> WireJson.decode(b, NarrationPlan.class))
                .orElseThrow(() -> new IllegalStateException("narration " + n.narrationId() + " has no plan.json"));
        int next = n.segmentIndex() + 1;
        SynthesisRequest request = plan.segmentRequest(next, clock.instant(),
                i -> ObjectKeys.narrationSegmentCodes(n.narrationId(), i));
        events.publishRequestDurably(request);
        log.info("event=narration_segment_queued narration={} job={} segment={} after={}", n.narrationId(),
                request.jobId(), next, finished.jobId());
    }
}
