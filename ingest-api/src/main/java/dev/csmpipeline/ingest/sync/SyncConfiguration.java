package dev.csmpipeline.ingest.sync;

import dev.csmpipeline.ingest.jobs.RequestPartitions;
import dev.csmpipeline.service.OneLineProducerListener;
import dev.csmpipeline.ingest.IngestProperties;
import dev.csmpipeline.ingest.status.RecentlyAccepted;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireHeaders;
import dev.csmpipeline.model.WireSerde;
import dev.csmpipeline.service.WireValueSerializer;
import dev.csmpipeline.storage.client.ObjectStorage;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.requestreply.CorrelationKey;
import org.springframework.kafka.requestreply.ReplyingKafkaTemplate;
import org.springframework.kafka.support.TopicPartitionOffset;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;

/**
 * Request-reply wiring: a {@link ReplyingKafkaTemplate} whose reply container reads one partition of
 * {@link Topics#REPLIES} (this instance's) from its end, with the pipeline's own header names.
 */
@Configuration(proxyBeanMethods = false)
public class SyncConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SyncConfiguration.class);

    /** The sync requests' producer (a bean, so it is closed on shutdown). */
    @Bean
    DefaultKafkaProducerFactory<String, Object> syncProducerFactory(KafkaProperties kafka, IngestProperties props) {
        Map<String, Object> producer = new HashMap<>(kafka.buildProducerProperties());
        producer.put(ProducerConfig.ACKS_CONFIG, "all");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000);
        producer.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        producer.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, props.instanceId() + "-sync");
        return new DefaultKafkaProducerFactory<>(producer, new StringSerializer(), new WireValueSerializer());
    }

    /**
     * The partition this instance reads on {@link Topics#REPLIES}, and on {@link Topics#AUDIO_CHUNKS} for its
     * streaming calls: INGEST_REPLY_PARTITION, else one derived from the instance id.
     *
     * @param partition  the partition number
     * @param partitions partitions of the reply topic
     */
    public record ReplyPartition(int partition, int partitions) {
    }

    @Bean
    ReplyPartition replyPartition(IngestProperties props, Admin healthAdmin) throws Exception {
        int partitions = replyPartitions(healthAdmin);
        int partition = props.replyPartition() >= 0 ? props.replyPartition() % partitions
                : Math.floorMod(props.instanceId().hashCode(), partitions);
        return new ReplyPartition(partition, partitions);
    }

    /**
     * The reply topic's partition count. A broker that is still starting (or a starved machine) may not answer the
     * first lookup: it is retried for two minutes before the instance gives up starting.
     */
    private static int replyPartitions(Admin admin) throws Exception {
        long giveUpAt = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            try {
                return admin.describeTopics(java.util.List.of(Topics.REPLIES)).allTopicNames()
                        .get(30, TimeUnit.SECONDS).get(Topics.REPLIES).partitions().size();
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                if (System.nanoTime() > giveUpAt) {
                    throw new IllegalStateException("could not read topic " + Topics.REPLIES + " from Kafka for 2 "
                            + "minutes: is KAFKA_BOOTSTRAP_SERVERS right and the topic created?", e);
                }
                log.warn("event=reply_topic_lookup_retry reason={}", e.toString());
            }
        }
    }

    @Bean
    ReplyingKafkaTemplate<String, Object, SynthesisReply> replyingTemplate(KafkaProperties kafka,
                                                                          IngestProperties props,
                                                                          ReplyPartition replyPartition,
                                                                          DefaultKafkaProducerFactory<String, Object>
                                                                                  syncProducerFactory) {
        int partition = replyPartition.partition();
        int partitions = replyPartition.partitions();

        Map<String, Object> consumer = new HashMap<>(kafka.buildConsumerProperties());
        consumer.put(ConsumerConfig.GROUP_ID_CONFIG, "csm-ingest-replies-" + props.instanceId());
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        consumer.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        ContainerProperties container = new ContainerProperties(
                new TopicPartitionOffset(Topics.REPLIES, partition, TopicPartitionOffset.SeekPosition.END));
        container.setObservationEnabled(false);
        KafkaMessageListenerContainer<String, SynthesisReply> replies = new KafkaMessageListenerContainer<>(
                new DefaultKafkaConsumerFactory<>(consumer, new StringDeserializer(),
                        new ErrorHandlingDeserializer<>(WireSerde.of(SynthesisReply.class))), container);
        replies.setBeanName("sync-replies");

        ReplyingKafkaTemplate<String, Object, SynthesisReply> template = new ReplyingKafkaTemplate<>(
                syncProducerFactory, replies);
        template.setCorrelationHeaderName(WireHeaders.CORRELATION_ID);
        template.setReplyTopicHeaderName(WireHeaders.REPLY_TOPIC);
        template.setReplyPartitionHeaderName(WireHeaders.REPLY_PARTITION);
        template.setCorrelationIdStrategy(record -> new CorrelationKey(record.key().getBytes(StandardCharsets.UTF_8)));
        // Other instances may share the partition, and replies to calls that timed out arrive late: not errors.
        template.setSharedReplyTopic(true);
        OneLineProducerListener.applyTo(template);
        log.info("event=sync_replies_partition topic={} partition={} of={}", Topics.REPLIES, partition, partitions);
        return template;
    }

    @Bean
    SyncGateway syncGateway(ReplyingKafkaTemplate<String, Object, SynthesisReply> replyingTemplate,
                            KafkaTemplate<String, Object> plainTemplate, RequestPartitions requestPartitions,
                            ReplyPartition replyPartition) {
        return new SyncGateway(replyingTemplate, plainTemplate, requestPartitions,
                new WarmUpReplies(plainTemplate, replyPartition.partition()));
    }

    @Bean
    SyncService syncService(SyncGateway gateway, dev.csmpipeline.ingest.voices.VoiceService voices,
                            ObjectStorage storage, IngestProperties props, RecentlyAccepted recent,
                            MeterRegistry registry, Clock clock) {
        return new SyncService(gateway, voices, storage, props, recent, registry, clock);
    }
}
