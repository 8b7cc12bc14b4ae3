package dev.csmpipeline.ingest.jobs;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;

/**
 * Chooses the partition of each request: round robin over the topic's partitions, not the hash of the job id. Jobs
 * are independent, so no key needs ordering; what matters is that each worker gets the same share of a backlog. By
 * hash, 48 jobs over 4 partitions land anywhere from 8 to 16 a partition, and the worker holding the larger share
 * is still busy when the others have gone idle. Events stay keyed by job id (the status table needs that).
 */
public final class RequestPartitions {

    private final ToIntFunction<String> partitionCount;
    private final Map<String, AtomicInteger> next = new ConcurrentHashMap<>();

    /** @param partitionCount the current number of partitions of a topic (from the producer's metadata) */
    public RequestPartitions(ToIntFunction<String> partitionCount) {
        this.partitionCount = partitionCount;
    }

    /** The partition for the next request on {@code topic}. */
    public int next(String topic) {
        int partitions = partitionCount.applyAsInt(topic);
        // A random start, so that several API instances do not all begin at partition 0.
        AtomicInteger counter = next.computeIfAbsent(topic,
                t -> new AtomicInteger(ThreadLocalRandom.current().nextInt(partitions)));
        return Math.floorMod(counter.getAndIncrement(), partitions);
    }
}
