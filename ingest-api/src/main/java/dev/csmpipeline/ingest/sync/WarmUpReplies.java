package dev.csmpipeline.ingest.sync;

import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.SynthesisReply;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WarmUp;
import dev.csmpipeline.model.WireHeaders;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectKeys;
import dev.csmpipeline.storage.client.ObjectStorage;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Answers this instance's own warm-up calls ({@link WarmUp}) as a worker answers a sync call: the SUCCEEDED event on
 * {@link Topics#EVENTS} (which the status table folds, then forgets), then a {@link SynthesisReply} with the audio
 * inline, written to this instance's partition of {@link Topics#REPLIES}, so the warm-up runs the status table, the
 * reply consumer, the correlation and the response as a real call does. The audio is silence as long as the call
 * asked for (at most {@link WarmUp#FULL_AUDIO_MS}, which always fits inline), as the tiny model's answer is: no worker
 * and no model take part, and the warm-up needs none to be running.
 */
public final class WarmUpReplies {

    private final KafkaTemplate<String, Object> kafka;
    private final int replyPartition;

    public WarmUpReplies(KafkaTemplate<String, Object> kafka, int replyPartition) {
        this.kafka = kafka;
        this.replyPartition = replyPartition;
    }

    /** Sends the reply to the warm-up request {@code request}. */
    public void answer(SynthesisRequest request) {
        if (!WarmUp.isWarmUp(request)) {
            throw new IllegalArgumentException("job " + request.jobId() + " is not a warm-up call");
        }
        int frames = Math.min(request.maxAudioLengthMs(), WarmUp.FULL_AUDIO_MS) / Limits.MS_PER_FRAME;
        int audioMs = frames * Limits.MS_PER_FRAME;
        byte[] wav = Wav.encode(new float[WarmUp.SAMPLE_RATE / 1000 * audioMs], WarmUp.SAMPLE_RATE);
        AudioResult result = new AudioResult(ObjectKeys.audio(request.jobId()), audioMs, WarmUp.SAMPLE_RATE,
                wav.length, ObjectStorage.sha256Hex(wav), frames);
        kafka.send(Topics.EVENTS, request.jobId(),
                JobEvent.succeeded(request, WarmUp.TENANT, WarmUp.TENANT, result, Instant.now()));
        ProducerRecord<String, Object> record = new ProducerRecord<>(Topics.REPLIES, replyPartition, request.jobId(),
                SynthesisReply.succeeded(request.jobId(), result, wav, WarmUp.TENANT));
        record.headers().add(WireHeaders.CORRELATION_ID, request.jobId().getBytes(StandardCharsets.UTF_8));
        kafka.send(record);
    }
}
