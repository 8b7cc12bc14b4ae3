package dev.csmpipeline.worker.jobs;

import java.util.Collection;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * Which consumers of a listener container have had their first assignment since the worker started, an empty one
 * included (the cooperative protocol calls {@code onPartitionsAssigned} after every rebalance, with nothing when a
 * member gets nothing). {@link WarmUpJobs#throughConsumer} waits for it: a worker beyond the partition count holds
 * none, and must not wait for partitions that will not come.
 */
public final class FirstAssignments implements ConsumerAwareRebalanceListener {

    private final Set<Consumer<?, ?>> assigned = ConcurrentHashMap.newKeySet();

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        assigned.add(consumer);
    }

    /** How many of the container's consumers have had an assignment. */
    public int consumersAssigned() {
        return assigned.size();
    }
}
