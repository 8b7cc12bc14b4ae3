package dev.csmpipeline.worker.jobs;

import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.ContextReport;
import dev.csmpipeline.model.ErrorCodes;
import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.worker.narration.NarrationChain;
import dev.csmpipeline.worker.streaming.ChunkPublisher;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Headers;

/**
 * How a job ends in this worker, in one place, for every outcome: success, failure (also of a dead-lettered record),
 * cancellation. Each writes the terminal event and, for a sync call, the reply (sent as soon as it is known, or
 * earlier by the caller), then waits until both are durable; only then does the chained narration's next segment
 * get queued and may the listener commit the record's offset. So a job that a caller or a status reader sees as
 * ended is ended in Kafka, and a worker dying before that leaves the record to be redelivered. A streaming job that
 * ends without its audio also closes its stream ({@link ChunkPublisher#ended}), so a listener stops waiting.
 */
public class JobLifecycle {

    private final EventPublisher events;
    private final NarrationChain chain;
    private final ChunkPublisher chunks;
    private final WorkerMetrics metrics;
    private final String workerId;
    private final Clock clock;
    private final AtomicLong jobsEnded = new AtomicLong();

    public JobLifecycle(EventPublisher events, NarrationChain chain, ChunkPublisher chunks, WorkerMetrics metrics,
                        String workerId, Clock clock) {
        this.events = events;
        this.chain = chain;
        this.chunks = chunks;
        this.metrics = metrics;
        this.workerId = workerId;
        this.clock = clock;
    }

    /** The same lifecycle, reporting to {@code events} and {@code metrics} instead (the warm-up's). */
    public JobLifecycle reportingTo(EventPublisher events, WorkerMetrics metrics) {
        return new JobLifecycle(events, chain, chunks, metrics, workerId, clock);
    }

    /**
     * SUCCEEDED with {@code result}. A reply already sent with the audio inline ({@code replySentOrNull}) is awaited
     * instead of a second one; otherwise a sync caller's reply points to the stored object.
     */
    public void succeeded(SynthesisRequest request, Headers headers, String model, AudioResult result,
                          ContextReport context, CompletableFuture<?> replySentOrNull) {
        CompletableFuture<?> reply = replySentOrNull;
        if (reply == null && request.kind() == JobKind.SYNC) {
            reply = events.reply(headers, SynthesisReply.succeeded(request.jobId(), result, null, model));
        }
        end(request, JobEvent.succeeded(request, workerId, model, result, context, clock.instant()), reply,
                "succeeded");
    }

    /** FAILED with {@code error}; a sync caller gets the same error. */
    public void failed(SynthesisRequest request, Headers headers, JobError error) {
        closeStream(request, headers, error);
        CompletableFuture<?> reply = request.kind() == JobKind.SYNC
                ? events.reply(headers, SynthesisReply.failed(request.jobId(), error)) : null;
        end(request, JobEvent.failed(request.jobId(), request.narration(), workerId, error, clock.instant()), reply,
                "failed");
    }

    /** CANCELLED; a sync caller (whose job someone cancelled) gets an error saying so. */
    public void cancelled(SynthesisRequest request, Headers headers) {
        JobError error = new JobError(ErrorCodes.CANCELLED, "the job was cancelled");
        closeStream(request, headers, error);
        CompletableFuture<?> reply = request.kind() == JobKind.SYNC
                ? events.reply(headers, SynthesisReply.failed(request.jobId(), error)) : null;
        end(request, JobEvent.cancelled(request.jobId(), request.narration(), workerId, clock.instant()), reply,
                "cancelled");
    }

    private void closeStream(SynthesisRequest request, Headers headers, JobError error) {
        if (request.streams()) {
            chunks.ended(request, headers, error);
        }
    }

    private void end(SynthesisRequest request, JobEvent terminal, CompletableFuture<?> replyOrNull, String outcome) {
        events.publishDurably(terminal);
        if (replyOrNull != null) {
            EventPublisher.await(replyOrNull, "reply to job " + request.jobId());
        }
        chain.queueNext(request);
        jobsEnded.incrementAndGet();
        metrics.finished(outcome, request.kind());
    }

    /** Jobs this worker has ended since it started, whatever the outcome. */
    public long jobsEnded() {
        return jobsEnded.get();
    }
}
