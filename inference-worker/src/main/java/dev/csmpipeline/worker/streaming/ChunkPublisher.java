package dev.csmpipeline.worker.streaming;

import dev.csmpipeline.engine.AudioChunk;
import dev.csmpipeline.engine.AudioChunkListener;
import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.SpeechChunk;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.worker.jobs.EventPublisher;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Publishes a streaming job's audio chunks on {@link Topics#AUDIO_CHUNKS} as the engine hands them over, without
 * waiting for the broker (a chunk never waits for anything; the idempotent producer keeps one partition's chunks in
 * order). A sync call's chunks go to the partition its ingest instance reads (the request's reply partition);
 * an async job's to its key's partition.
 */
public class ChunkPublisher {

    private static final Logger log = LoggerFactory.getLogger(ChunkPublisher.class);

    private final KafkaTemplate<String, Object> kafka;
    private final String workerId;

    public ChunkPublisher(KafkaTemplate<String, Object> kafka, String workerId) {
        this.kafka = kafka;
        this.workerId = workerId;
    }

    /** The listener that streams one attempt of {@code request}, begun at {@code startedAt}. */
    public AudioChunkListener forAttempt(SynthesisRequest request, Headers headers, Instant startedAt,
                                         int sampleRate) {
        String attempt = workerId + "@" + startedAt.toEpochMilli();
        Integer partition = EventPublisher.replyPartition(headers);
        return (AudioChunk c) -> send(partition, new SpeechChunk(request.jobId(), attempt, c.sequence(),
                c.firstFrame(), c.frames(), sampleRate, Wav.pcm16(c.pcm()), c.last(), null));
    }

    /** Closes the stream of a job that ended without its audio (failed, cancelled), so no listener waits on. */
    public void ended(SynthesisRequest request, Headers headers, JobError error) {
        send(EventPublisher.replyPartition(headers), SpeechChunk.failed(request.jobId(), workerId, 0, 0, error));
    }

    private void send(Integer partition, SpeechChunk chunk) {
        kafka.send(new ProducerRecord<>(Topics.AUDIO_CHUNKS, partition, chunk.jobId(), chunk))
                .whenComplete((r, e) -> {
                    if (e != null) {
                        log.warn("event=chunk_send_failed job={} sequence={} reason={}", chunk.jobId(),
                                chunk.sequence(), e.toString());
                    }
                });
    }
}
