package dev.csmpipeline.storage.service.retention;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.service.WireValueSerializer;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
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
            KafkaTemplate<String, Object> kafka = new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()), new StringSerializer(),
                    new WireValueSerializer()));
            // A clock a day ahead makes the object just written a day old; retention is one hour.
            Clock tomorrow = Clock.fixed(Instant.now().plus(Duration.ofDays(1)), ZoneOffset.UTC);
            RetentionSweep.Result r = new RetentionSweep(storage, kafka, Duration.ofHours(1), tomorrow).sweep();

            assertThat(r.jobsExpired()).isGreaterThanOrEqualTo(1);
            assertThat(storage.stat(ObjectKeys.audio(job))).isEmpty();
            assertThat(expiredEvents(infra)).contains(job);
        }
    }

    @Test
    void recentAudioIsKept(PipelineInfra infra) {
        String job = UUID.randomUUID().toString();
        try (ObjectStorage storage = infra.newStorage()) {
            storage.put(ObjectKeys.audio(job), new byte[] {1}, ObjectStorage.WAV_CONTENT_TYPE);
            KafkaTemplate<String, Object> kafka = new KafkaTemplate<>(new DefaultKafkaProducerFactory<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()), new StringSerializer(),
                    new WireValueSerializer()));
            new RetentionSweep(storage, kafka, Duration.ofDays(7), Clock.systemUTC()).sweep();
            assertThat(storage.stat(ObjectKeys.audio(job))).isPresent();
        }
    }

    @Test
    void onlyAudioKeysNameJobs() {
        assertThat(RetentionSweep.jobIdOf("audio/abc.wav")).isEqualTo("abc");
        assertThat(RetentionSweep.jobIdOf("audio/x/y.wav")).isNull();
        assertThat(RetentionSweep.jobIdOf("narrations/n/final.wav")).isNull();
    }

    private static List<String> expiredEvents(PipelineInfra infra) {
        List<String> ids = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "expired-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.EVENTS));
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < end) {
                c.poll(Duration.ofMillis(300)).forEach(r -> {
                    JobEvent e = WireJson.decode(r.value(), JobEvent.class);
                    if (e.type() == EventType.EXPIRED) {
                        ids.add(e.jobId());
                    }
                });
                if (!ids.isEmpty()) {
                    break;
                }
            }
        }
        return ids;
    }
}
