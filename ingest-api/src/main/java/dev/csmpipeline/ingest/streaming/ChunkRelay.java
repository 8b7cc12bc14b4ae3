package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.model.SpeechChunk;
import dev.csmpipeline.model.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.listener.MessageListener;

/**
 * The chunks of this instance's sync streaming calls: one consumer reads this instance's partition of
 * {@link Topics#AUDIO_CHUNKS} (the partition number of its reply partition, which the worker was told in the
 * request) and hands each chunk to the call waiting for its job; chunks of calls that gave up, or of another
 * instance sharing the partition, are dropped.
 */
public class ChunkRelay implements MessageListener<String, SpeechChunk> {

    private final Map<String, BlockingQueue<SpeechChunk>> waiting = new ConcurrentHashMap<>();
    public ChunkRelay(KafkaMessageListenerContainer<String, SpeechChunk> container) {
        container.setupMessageListener(this);
    }

    /** Starts collecting {@code jobId}'s chunks: call before the request is sent, so none is missed. */
    ChunkSource subscribe(String jobId) {
        BlockingQueue<SpeechChunk> queue = new LinkedBlockingQueue<>();
        waiting.put(jobId, queue);
        return new ChunkSource() {
            @Override
            public SpeechChunk poll(Duration wait) throws InterruptedException {
                return queue.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
            }

            @Override
            public void close() {
                waiting.remove(jobId, queue);
            }
        };
    }

    @Override
    public void onMessage(ConsumerRecord<String, SpeechChunk> record) {
        SpeechChunk chunk = record.value();
        if (chunk == null || record.key() == null) {
            return; // unreadable: the error-handling deserializer already logged it
        }
        BlockingQueue<SpeechChunk> queue = waiting.get(record.key());
        if (queue != null) {
            queue.add(chunk);
        }
    }
}
