package dev.csmpipeline.worker.jobs;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.EventListener;
import org.springframework.kafka.event.ListenerContainerIdleEvent;

/**
 * Commits an idle consumer's position. The API writes requests in transactions, and each transaction's commit
 * marker takes an offset after the last request; committing {@code offset + 1} of that request leaves a lag of one
 * on every idle partition, which would keep a lag-based autoscaler (KEDA) from scaling the fleet down. When a consumer
 * has had nothing to do for a while, every record before its position is done, so its position can be committed.
 * Idle events are published on the consumer's own thread, which is the only thread that may use it.
 */
public class IdleOffsetCommitter {

    private static final Logger log = LoggerFactory.getLogger(IdleOffsetCommitter.class);

    @EventListener
    public void onIdle(ListenerContainerIdleEvent event) {
        Consumer<?, ?> consumer = event.getConsumer();
        if (consumer == null) {
            return;
        }
        try {
            Set<TopicPartition> assigned = consumer.assignment();
            if (assigned.isEmpty()) {
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
            Map<TopicPartition, OffsetAndMetadata> ahead = new HashMap<>();
            for (TopicPartition tp : assigned) {
                long position = consumer.position(tp);
                OffsetAndMetadata c = committed.get(tp);
                if (c == null || position > c.offset()) {
                    ahead.put(tp, new OffsetAndMetadata(position));
                }
            }
            if (!ahead.isEmpty()) {
                consumer.commitSync(ahead);
                log.info("event=idle_offsets_committed partitions={}", ahead.keySet());
            }
        } catch (RuntimeException e) {
            log.warn("event=idle_offsets_not_committed reason={}", e.toString());
        }
    }
}
