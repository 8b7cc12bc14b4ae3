package dev.csmpipeline.worker.fleet;

import dev.csmpipeline.engine.EngineInfo;
import dev.csmpipeline.engine.SpeechEngine;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WorkerHeartbeat;
import dev.csmpipeline.worker.jobs.JobLifecycle;
import dev.csmpipeline.worker.jobs.PrioritySlots;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.scheduling.annotation.Scheduled;

/** Tells the fleet this worker is alive, what it serves and whether it is busy, every few seconds. */
public class HeartbeatPublisher implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(HeartbeatPublisher.class);

    private final KafkaTemplate<String, Object> kafka;
    private final String workerId;
    private final SpeechEngine engine;
    private final PrioritySlots slots;
    private final JobLifecycle lifecycle;
    private final Clock clock;
    private volatile boolean running;

    public HeartbeatPublisher(KafkaTemplate<String, Object> kafka, String workerId, SpeechEngine engine,
                              PrioritySlots slots, JobLifecycle lifecycle, Clock clock) {
        this.kafka = kafka;
        this.workerId = workerId;
        this.engine = engine;
        this.slots = slots;
        this.lifecycle = lifecycle;
        this.clock = clock;
    }

    @Scheduled(fixedRateString = "PT5S")
    public void beat() {
        if (running) {
            send(false);
        }
    }

    private void send(boolean stopping) {
        EngineInfo info = engine.info();
        WorkerHeartbeat hb = new WorkerHeartbeat(workerId, info.modelName(), info.modelKind(), info.device(),
                slots.busy() > 0, lifecycle.jobsEnded(), clock.instant(), stopping);
        kafka.send(Topics.WORKERS, workerId, hb).whenComplete((r, e) -> {
            if (e != null) {
                log.debug("event=heartbeat_failed reason={}", e.toString());
            }
        });
    }

    @Override
    public void start() {
        running = true;
        send(false);
    }

    @Override
    public void stop() {
        running = false;
        send(true);
        kafka.flush();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
