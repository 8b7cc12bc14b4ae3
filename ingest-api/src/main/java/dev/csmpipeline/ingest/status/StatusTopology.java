package dev.csmpipeline.ingest.status;

import dev.csmpipeline.model.EventType;
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
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The status tables, folded by Kafka Streams from {@link Topics#EVENTS} and queried in place:
 * <ul>
 *   <li>{@value #STATUS_STORE}: job id to {@link JobStatus}, by {@link JobStatusFold};</li>
 *   <li>{@value #IDEMPOTENCY_STORE}: tenant and Idempotency-Key to the first job id they created.</li>
 * </ul>
 * Tests build the same topology against a real broker.
 */
public final class StatusTopology {

    public static final String STATUS_STORE = "job-status";
    public static final String IDEMPOTENCY_STORE = "job-idempotency";

    private StatusTopology() {
    }

    public static void build(StreamsBuilder builder) {
        KStream<String, JobEvent> events = builder.stream(Topics.EVENTS,
                Consumed.with(Serdes.String(), WireSerde.of(JobEvent.class)));
        events.filter((jobId, event) -> jobId != null && event != null)
                .groupByKey(Grouped.with(Serdes.String(), WireSerde.of(JobEvent.class)))
                .aggregate(StatusTopology::empty, (jobId, event, status) -> JobStatusFold.apply(status, event),
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
