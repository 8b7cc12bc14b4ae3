package dev.csmpipeline.service;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.ProducerListener;

/**
 * Logs a failed send as one line naming topic, key (a job id) and cause, never the value: Spring's default
 * listener prints the payload, which holds the user's text, and a stack trace per record. The caller of the send
 * decides what the failure means and logs that with the job id.
 */
public final class OneLineProducerListener<K, V> implements ProducerListener<K, V> {

    private static final Logger log = LoggerFactory.getLogger(OneLineProducerListener.class);

    /** Gives {@code template} this listener; returns it. */
    public static <K, V, T extends KafkaTemplate<K, V>> T applyTo(T template) {
        template.setProducerListener(new OneLineProducerListener<>());
        return template;
    }

    @Override
    public void onError(ProducerRecord<K, V> record, RecordMetadata metadata, Exception exception) {
        log.warn("event=kafka_send_failed topic={} key={} reason={}", record.topic(),
                record.key() instanceof byte[] ? "<bytes>" : record.key(), exception.toString());
    }
}
