package dev.csmpipeline.worker.jobs;

import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireHeaders;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;

/**
 * Writes job events and sync replies. Terminal events and replies are durable before the job's offset is committed
 * ({@link #publishDurably}, acks=all on an idempotent producer); progress is fire-and-forget.
 */
public class EventPublisher {

    private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);
    private static final Duration DURABLE_TIMEOUT = Duration.ofSeconds(30);

    private final KafkaTemplate<String, Object> kafka;
    private final String eventsTopic;

    public EventPublisher(KafkaTemplate<String, Object> kafka) {
        this(kafka, Topics.EVENTS);
    }

    /** Writes job events to {@code eventsTopic} instead of {@link Topics#EVENTS} (the warm-up's). */
    public EventPublisher(KafkaTemplate<String, Object> kafka, String eventsTopic) {
        this.kafka = kafka;
        this.eventsTopic = eventsTopic;
    }

    /** Sends without waiting (STARTED, PROGRESS); a failure is logged, the job goes on. */
    public void publish(JobEvent event) {
        kafka.send(eventsTopic, event.jobId(), event).whenComplete((r, e) -> {
            if (e != null) {
                log.warn("event=event_send_failed job={} type={} reason={}", event.jobId(), event.type(), e.toString());
            }
        });
    }

    /** Sends and waits for the broker's acknowledgement. */
    public void publishDurably(JobEvent event) {
        await(kafka.send(eventsTopic, event.jobId(), event), "event " + event.type() + " of job " + event.jobId());
    }

    /** Queues a request (the next segment of a chained narration) and waits for the broker's acknowledgement. */
    public void publishRequestDurably(SynthesisRequest request) {
        await(kafka.send(request.kind().requestTopic(), request.jobId(), request), "request " + request.jobId());
    }

    /** Starts sending a reply to the topic and partition the waiting ingest instance named in the request. */
    public CompletableFuture<SendResult<String, Object>> reply(Headers requestHeaders, SynthesisReply reply) {
        String topic = stringHeader(requestHeaders, WireHeaders.REPLY_TOPIC);
        if (topic == null) {
            topic = Topics.REPLIES;
        }
        Integer partition = replyPartition(requestHeaders);
        ProducerRecord<String, Object> record = new ProducerRecord<>(topic, partition, reply.jobId(), reply);
        Header correlation = requestHeaders.lastHeader(WireHeaders.CORRELATION_ID);
        record.headers().add(WireHeaders.CORRELATION_ID, correlation != null ? correlation.value()
                : reply.jobId().getBytes(StandardCharsets.UTF_8));
        return kafka.send(record);
    }

    public static void await(CompletableFuture<?> send, String what) {
        try {
            send.get(DURABLE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing " + what, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not write " + what + " to Kafka: " + e, e);
        }
    }

    private static String stringHeader(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The reply partition a sync request names (null for none): also its instance's partition of audio chunks. */
    public static Integer replyPartition(Headers requestHeaders) {
        return requestHeaders == null ? null : intHeader(requestHeaders, WireHeaders.REPLY_PARTITION);
    }

    private static Integer intHeader(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value().length != 4 ? null : ByteBuffer.wrap(h.value()).getInt();
    }
}
