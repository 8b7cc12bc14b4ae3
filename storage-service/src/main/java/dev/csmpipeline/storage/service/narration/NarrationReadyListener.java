package dev.csmpipeline.storage.service.narration;

import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.ErrorCodes;
import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.NarrationReady;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.storage.service.StorageServiceProperties;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Assembles each narration whose segments all finished and ends it: SUCCEEDED with the final audio, or FAILED when
 * its parts cannot be joined. The offset is committed after that event is durable.
 */
public class NarrationReadyListener {

    public static final String CONTAINER_FACTORY = "narrationReadyFactory";
    private static final Logger log = LoggerFactory.getLogger(NarrationReadyListener.class);

    private final NarrationAssembler assembler;
    private final KafkaTemplate<String, Object> kafka;
    private final StorageServiceProperties props;
    private final Clock clock;

    public NarrationReadyListener(NarrationAssembler assembler, KafkaTemplate<String, Object> kafka,
                                  StorageServiceProperties props, Clock clock) {
        this.assembler = assembler;
        this.kafka = kafka;
        this.props = props;
        this.clock = clock;
    }

    @KafkaListener(id = "narration-assembly", idIsGroup = false, topics = Topics.NARRATIONS_READY,
            containerFactory = CONTAINER_FACTORY)
    public void onReady(ConsumerRecord<String, NarrationReady> record) throws Exception {
        NarrationReady ready = record.value();
        if (ready == null) {
            return;
        }
        JobEvent outcome;
        try {
            AudioResult result = assembler.assemble(ready);
            outcome = JobEvent.narrationSucceeded(ready.narrationId(), props.instanceId(), result, clock.instant());
        } catch (NarrationAssembler.AssemblyException e) {
            log.warn("event=narration_assembly_failed narration={} reason={}", ready.narrationId(), e.getMessage());
            outcome = JobEvent.failed(ready.narrationId(), null, props.instanceId(),
                    new JobError(ErrorCodes.ASSEMBLY_FAILED, e.getMessage()), clock.instant());
        }
        kafka.send(Topics.EVENTS, ready.narrationId(), outcome).get(30, TimeUnit.SECONDS);
    }
}
