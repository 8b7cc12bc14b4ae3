package dev.csmpipeline.testsupport;

import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import tools.jackson.databind.JsonNode;

/**
 * What services wrote to {@link Topics#WARM_UP} since an instant, by message: warm-up requests (an ingest instance's
 * own calls), job events and replies (a worker's warm-up jobs). The topic holds all three; each is told by its fields.
 *
 * @param requests the requests, in topic order
 * @param events   the job events
 * @param replies  the replies
 */
public record WarmUpRecords(List<SynthesisRequest> requests, List<JobEvent> events, List<SynthesisReply> replies) {

    /** The records of {@link Topics#WARM_UP} written at or after {@code since}. */
    public static WarmUpRecords since(String bootstrap, Instant since) {
        List<SynthesisRequest> requests = new ArrayList<>();
        List<JobEvent> events = new ArrayList<>();
        List<SynthesisReply> replies = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : TopicRecords.read(bootstrap, Topics.WARM_UP)) {
            if (r.timestamp() < since.toEpochMilli()) {
                continue;
            }
            JsonNode json = WireJson.mapper().readTree(r.value());
            if (json.has("success")) {
                replies.add(WireJson.decode(r.value(), SynthesisReply.class));
            } else if (json.has("type")) {
                events.add(WireJson.decode(r.value(), JobEvent.class));
            } else {
                requests.add(WireJson.decode(r.value(), SynthesisRequest.class));
            }
        }
        return new WarmUpRecords(List.copyOf(requests), List.copyOf(events), List.copyOf(replies));
    }
}
