package dev.csmpipeline.ingest.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RequestPartitionsTest {

    @Test
    void aBacklogIsSpreadEvenlyOverThePartitions() {
        RequestPartitions partitions = new RequestPartitions(topic -> 4);
        int[] counts = new int[4];
        for (int i = 0; i < 48; i++) {
            counts[partitions.next("tts.requests")]++;
        }
        assertThat(counts).containsExactly(12, 12, 12, 12);
    }

    @Test
    void concurrentCallersStillShareEvenly() throws Exception {
        RequestPartitions partitions = new RequestPartitions(topic -> 6);
        Map<Integer, AtomicInteger> counts = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        for (int i = 0; i < 6_000; i++) {
            pool.submit(() -> counts.computeIfAbsent(partitions.next("t"), p -> new AtomicInteger()).incrementAndGet());
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(counts).hasSize(6);
        assertThat(counts.values()).allSatisfy(c -> assertThat(c.get()).isEqualTo(1_000));
    }

    @Test
    void eachTopicHasItsOwnTurnAndFollowsItsPartitionCount() {
        RequestPartitions partitions = new RequestPartitions(topic -> topic.equals("small") ? 2 : 12);
        for (int i = 0; i < 100; i++) {
            assertThat(partitions.next("small")).isBetween(0, 1);
            assertThat(partitions.next("large")).isBetween(0, 11);
        }
    }
}
