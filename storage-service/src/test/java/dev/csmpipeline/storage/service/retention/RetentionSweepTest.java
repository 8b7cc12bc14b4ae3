package dev.csmpipeline.storage.service.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.service.WireValueSerializer;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

@WithPipelineInfra
class RetentionSweepTest {

    @Test
    void audioOlderThanTheRetentionIsDeletedAndItsJobMarkedExpired(PipelineInfra infra) {
        String job = UUID.randomUUID().toString();
        try (ObjectStorage storage = infra.newStorage()) {
            storage.put(ObjectKeys.audio(job), new byte[] {1, 2, 3}, ObjectStorage.WAV_CONTENT_TYPE);
            DefaultKafkaProducerFactory<String, Object> producers = producers(infra);
            // A clock a day ahead makes the object just written a day old; retention is one hour.
            Clock tomorrow = Clock.fixed(Instant.now().plus(Duration.ofDays(1)), ZoneOffset.UTC);
            RetentionSweep.Result r = new RetentionSweep(storage, new KafkaTemplate<>(producers), Duration.ofHours(1),
                    tomorrow).sweep();

            assertThat(r.jobsExpired()).isGreaterThanOrEqualTo(1);
            assertThat(storage.stat(ObjectKeys.audio(job))).isEmpty();
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(eventsOf(infra, job)).containsExactly(EventType.EXPIRED));
            producers.destroy();
        }
    }

    @Test
    void recentAudioIsKept(PipelineInfra infra) {
        String job = UUID.randomUUID().toString();
        try (ObjectStorage storage = infra.newStorage()) {
            storage.put(ObjectKeys.audio(job), new byte[] {1}, ObjectStorage.WAV_CONTENT_TYPE);
            DefaultKafkaProducerFactory<String, Object> producers = producers(infra);
            new RetentionSweep(storage, new KafkaTemplate<>(producers), Duration.ofDays(7), Clock.systemUTC()).sweep();
            assertThat(storage.stat(ObjectKeys.audio(job))).isPresent();
            producers.destroy(); // flushes what the sweep sent: nothing of this job
            assertThat(eventsOf(infra, job)).doesNotContain(EventType.EXPIRED);
        }
    }

    @Test
    void onlyAudioKeysNameJobs() {
        assertThat(RetentionSweep.jobIdOf("audio/abc.wav")).isEqualTo("abc");
        assertThat(RetentionSweep.jobIdOf("audio/x/y.wav")).isNull();
        assertThat(RetentionSweep.jobIdOf("narrations/n/final.wav")).isNull();
    }

    private static DefaultKafkaProducerFactory<String, Object> producers(PipelineInfra infra) {
        return new DefaultKafkaProducerFactory<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers()), new StringSerializer(), new WireValueSerializer());
    }

    private static List<EventType> eventsOf(PipelineInfra infra, String job) {
        return TopicRecords.events(infra.kafkaBootstrapServers(), job::equals).stream().map(JobEvent::type).toList();
    }
}
