package dev.csmpipeline.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.model.Topics;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.storage.client.StoredObject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@WithPipelineInfra
class PipelineInfraTest {

    @Test
    void pipelineTopicsExistOnTheBroker(PipelineInfra infra) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers()))) {
            Set<String> names = admin.listTopics().names().get(10, TimeUnit.SECONDS);
            assertThat(names).containsAll(Topics.all());
        }
    }

    @Test
    void recordsProducedToTheBrokerAreConsumedBack(PipelineInfra infra) throws Exception {
        Map<String, Object> producerProps = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                new StringSerializer())) {
            for (int i = 0; i < 5; i++) {
                producer.send(new ProducerRecord<>(Topics.EVENTS, "job-" + i, "event-" + i)).get(10, TimeUnit.SECONDS);
            }
        }
        Map<String, Object> consumerProps = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "infra-test",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(Topics.EVENTS));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (values.size() < 5 && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
        }
        assertThat(values).containsExactlyInAnyOrder("event-0", "event-1", "event-2", "event-3", "event-4");
    }

    @Test
    void objectsArePutReadStattedAndRangeRead(PipelineInfra infra) throws Exception {
        byte[] data = "RIFF-fake-wave-0123456789".getBytes(StandardCharsets.US_ASCII);
        try (ObjectStorage storage = infra.newStorage()) {
            StoredObject put = storage.put("audio/infra-test.wav", data, ObjectStorage.WAV_CONTENT_TYPE);
            assertThat(storage.get("audio/infra-test.wav")).hasValueSatisfying(b -> assertThat(b).isEqualTo(data));
            StoredObject stat = storage.stat("audio/infra-test.wav").orElseThrow();
            assertThat(stat.size()).isEqualTo(data.length);
            assertThat(stat.contentType()).isEqualTo("audio/wav");
            assertThat(stat.sha256()).isEqualTo(put.sha256()).isEqualTo(ObjectStorage.sha256Hex(data));
            try (InputStream in = storage.openRange("audio/infra-test.wav", 5, 4)) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("fake");
            }
            assertThat(storage.list("audio/")).extracting(StoredObject::key).contains("audio/infra-test.wav");
        }
    }

    @Test
    void missingObjectsAreEmptyNotErrors(PipelineInfra infra) {
        try (ObjectStorage storage = infra.newStorage()) {
            assertThat(storage.get("audio/none.wav")).isEmpty();
            assertThat(storage.stat("audio/none.wav")).isEmpty();
            storage.delete("audio/none.wav");
        }
    }

    @Test
    void presignedUrlServesTheObjectWithoutCredentials(PipelineInfra infra) throws Exception {
        byte[] data = "presigned body".getBytes(StandardCharsets.US_ASCII);
        try (ObjectStorage storage = infra.newStorage()) {
            storage.put("audio/presigned.wav", data, ObjectStorage.WAV_CONTENT_TYPE);
            String url = storage.presignGet("audio/presigned.wav", Duration.ofMinutes(5));
            HttpResponse<byte[]> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(data);
            HttpResponse<Void> unsigned = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url.substring(0, url.indexOf('?')))).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(unsigned.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void presignedUrlStopsWorkingAfterItsTtl(PipelineInfra infra) throws Exception {
        try (ObjectStorage storage = infra.newStorage()) {
            storage.put("audio/short-lived.wav", new byte[] {4, 5, 6}, ObjectStorage.WAV_CONTENT_TYPE);
            long signedAt = System.nanoTime();
            URI url = URI.create(storage.presignGet("audio/short-lived.wav", Duration.ofSeconds(3)));
            HttpClient http = HttpClient.newHttpClient();
            Callable<Integer> get = () -> http.send(HttpRequest.newBuilder(url).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
            assertThat(get.call()).as("within its TTL").isEqualTo(200);
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250)).until(get, s -> s == 403);
            // The signature's expiry has whole-second resolution.
            assertThat(Duration.ofNanos(System.nanoTime() - signedAt)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        }
    }

    @Test
    void deletedObjectsAreGone(PipelineInfra infra) {
        try (ObjectStorage storage = infra.newStorage()) {
            storage.put("audio/doomed.wav", new byte[] {1, 2, 3}, ObjectStorage.WAV_CONTENT_TYPE);
            storage.delete("audio/doomed.wav");
            assertThat(storage.stat("audio/doomed.wav")).isEmpty();
        }
    }
}
