package dev.csmpipeline.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicSpecTest {

    @Test
    void planCoversEveryTopicOfThePipeline() {
        List<TopicSpec> plan = TopicSpec.plan(12, 6, (short) 1);
        assertThat(plan).extracting(TopicSpec::name).containsExactlyInAnyOrderElementsOf(Topics.all());
    }

    @Test
    void requestTopicsGetTheRequestPartitionCount() {
        List<TopicSpec> plan = TopicSpec.plan(12, 6, (short) 3);
        assertThat(plan).filteredOn(s -> Topics.isRequestTopic(s.name()))
                .hasSize(2).allSatisfy(s -> assertThat(s.partitions()).isEqualTo(12));
        assertThat(plan).allSatisfy(s -> assertThat(s.replication()).isEqualTo((short) 3));
    }

    @Test
    void controlTopicIsCompactedSoEveryWorkerCanReadAllCancellations() {
        TopicSpec control = TopicSpec.plan(12, 6, (short) 1).stream()
                .filter(s -> s.name().equals(Topics.CONTROL)).findFirst().orElseThrow();
        assertThat(control.configs()).containsEntry("cleanup.policy", "compact,delete");
    }
}
