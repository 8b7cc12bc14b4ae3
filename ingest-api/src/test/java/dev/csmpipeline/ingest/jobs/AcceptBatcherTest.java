package dev.csmpipeline.ingest.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/** Group commit on a real broker: every submit is committed, whatever transaction it shared. */
@WithPipelineInfra
class AcceptBatcherTest {

    private final String topic = "accept-batcher-" + UUID.randomUUID();
    private DefaultKafkaProducerFactory<String, Object> producers;
    private AcceptBatcher batcher;
    private PipelineInfra infra;

    @BeforeEach
    void start(PipelineInfra pipelineInfra) throws Exception {
        infra = pipelineInfra;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        producers = new DefaultKafkaProducerFactory<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(),
                (org.apache.kafka.common.serialization.Serializer<Object>) (t, v) -> String.valueOf(v).getBytes(StandardCharsets.UTF_8));
        producers.setTransactionIdPrefix("accept-batcher-test-");
        batcher = new AcceptBatcher(new KafkaTemplate<>(producers), 2);
        batcher.start();
    }

    @AfterEach
    void stop() {
        batcher.stop();
        producers.destroy();
    }

    @Test
    void everyConcurrentSubmitIsCommittedOnce() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(16);
        List<CompletableFuture<Void>> commits = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String value = "job-" + i;
            commits.add(CompletableFuture.supplyAsync(() -> batcher.submit(List.of(
                    new ProducerRecord<>(topic, value, value))), callers).thenCompose(f -> f));
        }
        CompletableFuture.allOf(commits.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        callers.shutdown();
        assertThat(readCommitted()).hasSize(200).doesNotHaveDuplicates();
    }

    @Test
    void aSubmitAfterStopIsRefused() {
        batcher.stop();
        CompletableFuture<Void> late = batcher.submit(List.of(new ProducerRecord<>(topic, "late", "late")));
        assertThatThrownBy(() -> late.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("stopping");
    }

    private List<String> readCommitted() {
        return TopicRecords.read(infra.kafkaBootstrapServers(), topic).stream()
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }
}
