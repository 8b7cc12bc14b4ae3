package dev.csmpipeline.worker.jobs;

import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.worker.jobs.PrioritySlots.Priority;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.support.Acknowledgment;

/**
 * The two request listeners of the worker, one per topic, sharing the synthesis slots: interactive requests get a
 * free slot before bulk ones. The offset of a record is committed only after its outcome is durable. A warm-up
 * request ({@link WarmUp}) is run by the same code with its outcome reported to {@link Topics#WARM_UP}
 * ({@link JobProcessor#reportingTo}), never to the job topics.
 */
public class SynthesisListener {

    public static final String INTERACTIVE_ID = "interactive-requests";
    public static final String BULK_ID = "bulk-requests";
    public static final String CONTAINER_FACTORY = "requestListenerFactory";
    public static final String INTERACTIVE_CONTAINER_FACTORY = "interactiveListenerFactory";

    private static final Logger log = LoggerFactory.getLogger(SynthesisListener.class);

    private final JobProcessor processor;
    private final JobProcessor warmUp;

    /** {@code warmUp} runs warm-up requests: {@code processor}, reporting to the warm-up topic. */
    public SynthesisListener(JobProcessor processor, JobProcessor warmUp) {
        this.processor = processor;
        this.warmUp = warmUp;
    }

    // idIsGroup = false: the groups are the fleet's (set on the consumer factories), not the listener ids.
    @KafkaListener(id = INTERACTIVE_ID, idIsGroup = false, topics = Topics.REQUESTS_INTERACTIVE,
            containerFactory = INTERACTIVE_CONTAINER_FACTORY)
    public void interactive(ConsumerRecord<String, SynthesisRequest> record, Acknowledgment ack) {
        handle(record, ack, Priority.INTERACTIVE);
    }

    @KafkaListener(id = BULK_ID, idIsGroup = false, topics = Topics.REQUESTS, containerFactory = CONTAINER_FACTORY)
    public void bulk(ConsumerRecord<String, SynthesisRequest> record, Acknowledgment ack) {
        handle(record, ack, Priority.BULK);
    }

    private void handle(ConsumerRecord<String, SynthesisRequest> record, Acknowledgment ack, Priority priority) {
        if (record.value() == null) {
            log.warn("event=request_without_value topic={} partition={} offset={} action=skip", record.topic(),
                    record.partition(), record.offset());
            ack.acknowledge();
            return;
        }
        JobProcessor runner = WarmUp.isWarmUp(record.value()) ? warmUp : processor;
        if (runner.process(record.value(), record.headers(), priority) == JobProcessor.Outcome.DONE) {
            ack.acknowledge();
        } else {
            ack.nack(Duration.ofSeconds(1));
        }
    }
}
