package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.ingest.IngestProperties;
import dev.csmpipeline.ingest.sync.SyncConfiguration.ReplyPartition;
import dev.csmpipeline.ingest.sync.SyncService;
import dev.csmpipeline.model.SpeechChunk;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireSerde;
import dev.csmpipeline.storage.client.ObjectStorage;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.support.TopicPartitionOffset;
import org.springframework.kafka.support.serializer.ErrorHandlingDeserializer;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.web.servlet.config.annotation.AsyncSupportConfigurer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Streaming wiring: the relay of this instance's chunk partition, the consumers of async jobs' chunks, and the
 * threads that write streams (MVC's async responses run on them too).
 */
@Configuration(proxyBeanMethods = false)
public class StreamingConfiguration implements WebMvcConfigurer {

    private static final Logger log = LoggerFactory.getLogger(StreamingConfiguration.class);
    /** Streams written at once by one instance; more wait for a thread. */
    static final int MAX_STREAMS = 256;

    private final ThreadPoolTaskExecutor streamWriters = streamWriters();

    private static ThreadPoolTaskExecutor streamWriters() {
        ThreadPoolTaskExecutor e = new ThreadPoolTaskExecutor();
        e.setThreadNamePrefix("stream-");
        e.setCorePoolSize(8);
        e.setMaxPoolSize(MAX_STREAMS);
        e.setQueueCapacity(0);
        e.setDaemon(true);
        e.initialize();
        return e;
    }

    /** Audio streams and other async responses write on their own threads, without a request timeout of MVC's. */
    @Override
    public void configureAsyncSupport(AsyncSupportConfigurer configurer) {
        configurer.setTaskExecutor(streamWriters);
        configurer.setDefaultTimeout(-1);
    }

    @Bean
    DefaultKafkaConsumerFactory<String, SpeechChunk> chunkConsumerFactory(KafkaProperties kafka) {
        Map<String, Object> consumer = new HashMap<>(kafka.buildConsumerProperties());
        consumer.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned partitions, nothing committed
        consumer.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        consumer.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        return new DefaultKafkaConsumerFactory<>(consumer, new StringDeserializer(),
                new ErrorHandlingDeserializer<>(WireSerde.of(SpeechChunk.class)));
    }

    /** Started with the context (a lifecycle bean), once the relay has set itself as its listener. */
    @Bean
    KafkaMessageListenerContainer<String, SpeechChunk> chunkRelayContainer(
            DefaultKafkaConsumerFactory<String, SpeechChunk> chunkConsumerFactory, ReplyPartition partition,
            IngestProperties props) {
        ContainerProperties container = new ContainerProperties(new TopicPartitionOffset(Topics.AUDIO_CHUNKS,
                partition.partition(), TopicPartitionOffset.SeekPosition.END));
        container.setGroupId("csm-ingest-chunks-" + props.instanceId());
        container.setObservationEnabled(false);
        KafkaMessageListenerContainer<String, SpeechChunk> c = new KafkaMessageListenerContainer<>(
                chunkConsumerFactory, container);
        c.setBeanName("chunk-relay");
        log.info("event=stream_chunks_partition topic={} partition={}", Topics.AUDIO_CHUNKS, partition.partition());
        return c;
    }

    @Bean
    ChunkRelay chunkRelay(KafkaMessageListenerContainer<String, SpeechChunk> chunkRelayContainer) {
        return new ChunkRelay(chunkRelayContainer);
    }

    @Bean
    SpeechStreams speechStreams(ChunkRelay relay, DefaultKafkaConsumerFactory<String, SpeechChunk>
            chunkConsumerFactory, SyncService sync, ObjectStorage storage, Clock clock) {
        return new SpeechStreams(relay, chunkConsumerFactory, sync, storage, streamWriters, clock);
    }
}
