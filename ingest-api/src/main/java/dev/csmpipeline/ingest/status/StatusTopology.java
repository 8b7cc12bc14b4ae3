package dev.csmpipeline.ingest.status;

import dev.csmpipeline.model.ControlCommand;
import dev.csmpipeline.model.ErrorCodes;
import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.NarrationProgress;
import dev.csmpipeline.model.NarrationReady;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.JobStatusFold;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The status tables, folded by Kafka Streams from {@link Topics#EVENTS} and queried in place:
 * <ul>
 *   <li>{@value #STATUS_STORE}: job id to {@link JobStatus}, by {@link JobStatusFold} (less the rows of an
 *   instance's warm-up calls, {@link WarmUpStatus});</li>
 *   <li>{@value #IDEMPOTENCY_STORE}: tenant and Idempotency-Key to the first job id they created.</li>
 * </ul>
 * Tests build the same topology against a real broker.
 */
public final class StatusTopology {

    public static final String STATUS_STORE = "job-status";
    public static final String IDEMPOTENCY_STORE = "job-idempotency";
    public static final String NARRATION_STORE = "narration-progress";
    /** The author of events the status table itself writes (a narration failing with its segment). */
    public static final String AUTHOR = "status-table";

    private StatusTopology() {
    }

    public static void build(StreamsBuilder builder) {
        build(builder, new WarmUpStatus());
    }

    /** The topology, with the rows of warm-up calls folded and removed by {@code warmUps}. */
    public static void build(StreamsBuilder builder, WarmUpStatus warmUps) {
        KStream<String, JobEvent> events = builder.stream(Topics.EVENTS,
                Consumed.with(Serdes.String(), WireSerde.of(JobEvent.class)));
        events.filter((jobId, event) -> jobId != null && event != null)
                .groupByKey(Grouped.with(Serdes.String(), WireSerde.of(JobEvent.class)))
                .aggregate(StatusTopology::empty, (jobId, event, status) -> warmUps.fold(status, event),
                        Materialized.<String, JobStatus, KeyValueStore<Bytes, byte[]>>as(STATUS_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(WireSerde.of(JobStatus.class)));
        events.filter((jobId, event) -> event != null && event.type() == EventType.ACCEPTED && event.info() != null
                        && event.info().idempotencyKey() != null)
                .selectKey((jobId, event) -> idempotencyKey(event.info().tenant(), event.info().idempotencyKey()))
                .mapValues(JobEvent::jobId)
                .groupByKey(Grouped.with(Serdes.String(), Serdes.String()))
                // the first job a key created stays its job, whatever a racing duplicate wrote later
                .reduce((first, later) -> first,
                        Materialized.<String, String, KeyValueStore<Bytes, byte[]>>as(IDEMPOTENCY_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()));
        buildNarrations(events);
    }

    /**
     * Narration progress, folded from the events of its segments by {@link NarrationProgress#apply}. When the last
     * segment finishes, the narration goes to the storage service for assembly ({@link Topics#NARRATIONS_READY});
     * when a segment fails for good (and gaps were not asked for), the narration fails naming it, and its other
     * segments are cancelled.
     */
    private static void buildNarrations(KStream<String, JobEvent> events) {
        WireSerde<JobEvent> eventSerde = WireSerde.of(JobEvent.class);
        KTable<String, NarrationProgress> progress = events
                .filter((jobId, e) -> e != null && e.narration() != null && e.narration().narrationId() != null)
                .selectKey((jobId, e) -> e.narration().narrationId())
                .groupByKey(Grouped.with(Serdes.String(), eventSerde))
                .aggregate(StatusTopology::emptyProgress, (id, e, p) -> NarrationProgress.apply(p, e),
                        Materialized.<String, NarrationProgress, KeyValueStore<Bytes, byte[]>>as(NARRATION_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(WireSerde.of(NarrationProgress.class)));
        KStream<String, NarrationProgress> transitions = progress.toStream()
                .filter((id, p) -> p != null && p.transition() != NarrationProgress.Transition.NONE);
        transitions.filter((id, p) -> p.transition() == NarrationProgress.Transition.COMPLETED)
                .mapValues(p -> new NarrationReady(p.narrationId(), p.tenant(), p.segmentCount(),
                        p.failedSegments(), p.updatedAt()))
                .to(Topics.NARRATIONS_READY, Produced.with(Serdes.String(), WireSerde.of(NarrationReady.class)));
        KStream<String, NarrationProgress> failed = transitions
                .filter((id, p) -> p.transition() == NarrationProgress.Transition.FAILED);
        failed.mapValues(StatusTopology::narrationFailed)
                .to(Topics.EVENTS, Produced.with(Serdes.String(), eventSerde));
        failed.mapValues(p -> ControlCommand.cancelNarration(p.narrationId(), p.tenant(), p.updatedAt()))
                .to(Topics.CONTROL, Produced.with(Serdes.String(), WireSerde.of(ControlCommand.class)));
    }

    private static JobEvent narrationFailed(NarrationProgress p) {
        String reason = p.failure() == null ? "failed" : p.failure().code() + ": " + p.failure().message();
        JobError error = new JobError(ErrorCodes.SEGMENT_FAILED, "segment " + p.failedSegment() + " of "
                + p.segmentCount() + " failed for good (" + reason + ")");
        return JobEvent.failed(p.narrationId(), null, AUTHOR, error, p.updatedAt());
    }

    private static NarrationProgress emptyProgress() {
        return null;
    }

    /** Key of the idempotency table: the same key from two tenants names two jobs. */
    public static String idempotencyKey(String tenant, String key) {
        return tenant + "\u0000" + key;
    }

    /** Kafka Streams' initializer cannot know the key; the fold fills the job id from the first event. */
    private static JobStatus empty() {
        return JobStatus.unknown(null);
    }
}
