package dev.csmpipeline.ingest.jobs;

import dev.csmpipeline.model.ControlCommand;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireHeaders;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Writes accepted work to Kafka. A job's request and its ACCEPTED event go in one transaction (acks=all,
 * idempotent), so either both exist or neither, and the caller hears 202 only after the commit.
 */
public class RequestPublisher {

    private static final Logger log = LoggerFactory.getLogger(RequestPublisher.class);

    /** Longer than a transaction can take with the producer's timeouts (delivery 10 s), so the commit decides. */
    private static final long COMMIT_WAIT_S = 30;

    private final AcceptBatcher batcher;
    private final KafkaTemplate<String, Object> plain;
    private final RequestPartitions partitions;

    /**
     * @param batcher group commit over a transactional producer, for accepting work
     * @param plain   template of an idempotent producer, for control commands and events
     */
    public RequestPublisher(AcceptBatcher batcher, KafkaTemplate<String, Object> plain,
                            RequestPartitions partitions) {
        this.batcher = batcher;
        this.plain = plain;
        this.partitions = partitions;
    }

    /**
     * Writes {@code requests} and {@code events} (their ACCEPTED events, built by the caller, which also folds them
     * into the status it answers with) all in one transaction, shared with other submits of the moment (see
     * {@link AcceptBatcher}); returns once it has committed.
     */
    public void accept(List<SynthesisRequest> requests, List<JobEvent> events) {
        List<ProducerRecord<String, Object>> records = new ArrayList<>();
        try {
            for (SynthesisRequest request : requests) {
                records.add(record(request, partitions));
            }
            for (JobEvent e : events) {
                records.add(new ProducerRecord<>(Topics.EVENTS, e.jobId(), e));
            }
            batcher.submit(records).get(COMMIT_WAIT_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw acceptFailed(requests, e);
        } catch (ExecutionException e) {
            throw acceptFailed(requests, e.getCause());
        } catch (TimeoutException | RuntimeException e) {
            throw acceptFailed(requests, e);
        }
    }

    private static ApiException acceptFailed(List<SynthesisRequest> requests, Throwable e) {
        log.warn("event=accept_failed jobs={} first_job={} reason={}", requests.size(),
                requests.isEmpty() ? null : requests.get(0).jobId(), e.toString());
        return kafkaUnavailable(e);
    }

    /** Writes a cancel command for every worker, and the CANCEL_REQUESTED event (and CANCELLED, if given). */
    public void cancel(ControlCommand command, List<JobEvent> events) {
        cancelOrEvents(command, events);
    }

    private void cancelOrEvents(ControlCommand command, List<JobEvent> events) {
        List<CompletableFuture<?>> sends = new ArrayList<>();
        try {
            if (command != null) {
                sends.add(plain.send(Topics.CONTROL, command.targetId(), command));
            }
            for (JobEvent e : events) {
                sends.add(plain.send(Topics.EVENTS, e.jobId(), e));
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw kafkaUnavailable(e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            throw kafkaUnavailable(e);
        }
    }

    /** Writes events without a transaction, waiting for the broker's acknowledgement. */
    public void publishEvents(List<JobEvent> events) {
        cancelOrEvents(null, events);
    }

    /**
     * The Kafka record of a request: keyed by job id, on its kind's topic, on the next partition in turn (see
     * {@link RequestPartitions}), with tenant and schema headers.
     */
    public static ProducerRecord<String, Object> record(SynthesisRequest request, RequestPartitions partitions) {
        String topic = request.kind().requestTopic();
        ProducerRecord<String, Object> r = new ProducerRecord<>(topic, partitions.next(topic), request.jobId(),
                request);
        r.headers().add(WireHeaders.TENANT, request.tenant().getBytes(StandardCharsets.UTF_8));
        r.headers().add(WireHeaders.SCHEMA_VERSION,
                Integer.toString(WireHeaders.CURRENT_SCHEMA_VERSION).getBytes(StandardCharsets.UTF_8));
        return r;
    }

    public static ApiException kafkaUnavailable(Throwable cause) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, ApiError.of("kafka_unavailable",
                "the job could not be written to Kafka, so it was not accepted; retry later (" + rootMessage(cause)
                        + ")"));
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
}
