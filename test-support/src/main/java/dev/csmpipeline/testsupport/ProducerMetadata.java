package dev.csmpipeline.testsupport;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.Metric;

/** What a running producer already knows, read from its own metrics. */
public final class ProducerMetadata {

    private ProducerMetadata() {
    }

    /**
     * Whether {@code producer} already holds {@code topic}'s metadata: asking for its partitions then adds nothing to
     * the producer's total time spent waiting for metadata ({@code metadata-wait-time-ns-total}, which a producer
     * records only when it has to fetch).
     */
    public static boolean held(Producer<?, ?> producer, String topic) {
        double before = metadataWaitNs(producer);
        producer.partitionsFor(topic);
        return metadataWaitNs(producer) == before;
    }

    private static double metadataWaitNs(Producer<?, ?> producer) {
        for (Metric m : producer.metrics().values()) {
            if (m.metricName().name().equals("metadata-wait-time-ns-total")
                    && m.metricName().group().equals("producer-metrics")) {
                return ((Number) m.metricValue()).doubleValue();
            }
        }
        throw new IllegalStateException("the producer has no metadata-wait-time-ns-total metric");
    }
}
