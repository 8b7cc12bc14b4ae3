package dev.csmpipeline.service;

import dev.csmpipeline.model.TopicSpec;
import dev.csmpipeline.model.Topics;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Topic layout, from TTS_REQUEST_PARTITIONS, TTS_OTHER_PARTITIONS, TTS_TOPIC_REPLICATION and TTS_CREATE_TOPICS.
 *
 * @param requestPartitions partitions of the request topics: the ceiling on busy workers
 * @param otherPartitions   partitions of events, replies, control and heartbeats
 * @param topicReplication  replication factor (1 on one machine, 3 in production)
 * @param createTopics      whether the service creates missing topics at start
 */
@ConfigurationProperties("tts")
public record TopicProperties(Integer requestPartitions, Integer otherPartitions, Short topicReplication,
                              Boolean createTopics) {

    public TopicProperties {
        requestPartitions = requestPartitions == null ? Topics.DEFAULT_REQUEST_PARTITIONS : requestPartitions;
        otherPartitions = otherPartitions == null ? Topics.DEFAULT_OTHER_PARTITIONS : otherPartitions;
        topicReplication = topicReplication == null ? 1 : topicReplication;
        createTopics = createTopics == null || createTopics;
    }

    public List<TopicSpec> plan() {
        return TopicSpec.plan(requestPartitions, otherPartitions, topicReplication);
    }
}
