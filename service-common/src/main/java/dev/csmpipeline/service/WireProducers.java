package dev.csmpipeline.service;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.MicrometerProducerListener;

/**
 * The producers of wire messages, built one way in every service: on top of {@code spring.kafka.producer.*},
 * acknowledged by every in-sync replica and idempotent (a retried send is written once), sent at once (no linger:
 * events and requests are small and someone waits for each), under the service's client id, with job-id keys and
 * {@link WireValueSerializer} values, and with Kafka's client metrics in Micrometer.
 */
public final class WireProducers {

    private WireProducers() {
    }

    /**
     * A producer factory with the settings above and {@code overrides} (a service's own timeouts, say) on top. Declare
     * it as a bean, so the context closes its producers on shutdown; make it transactional with
     * {@link DefaultKafkaProducerFactory#setTransactionIdPrefix}.
     */
    public static DefaultKafkaProducerFactory<String, Object> factory(KafkaProperties kafka, String clientId,
                                                                      Map<String, Object> overrides,
                                                                      MeterRegistry registry) {
        Map<String, Object> config = new HashMap<>(kafka.buildProducerProperties());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.putAll(overrides);
        DefaultKafkaProducerFactory<String, Object> factory = new DefaultKafkaProducerFactory<>(config,
                new StringSerializer(), new WireValueSerializer());
        factory.addListener(new MicrometerProducerListener<>(registry));
        return factory;
    }
}
