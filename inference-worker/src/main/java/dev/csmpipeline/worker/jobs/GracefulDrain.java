package dev.csmpipeline.worker.jobs;

import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/**
 * Graceful shutdown of a worker, before the listener containers stop: stop taking records, let the job in hand finish
 * within the grace period, then abandon what still runs (uncommitted, so another worker of the group redoes it).
 */
public class GracefulDrain implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(GracefulDrain.class);
    private static final Duration ABANDON_WAIT = Duration.ofSeconds(20);

    private final KafkaListenerEndpointRegistry listeners;
    private final PrioritySlots slots;
    private final ShutdownState shutdown;
    private final Duration grace;
    private volatile boolean running;

    public GracefulDrain(KafkaListenerEndpointRegistry listeners, PrioritySlots slots, ShutdownState shutdown,
                         Duration grace) {
        this.listeners = listeners;
        this.slots = slots;
        this.shutdown = shutdown;
        this.grace = grace;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        listeners.getListenerContainers().forEach(c -> c.pause());
        slots.drain(); // prefetched jobs not yet started go back to the group
        int busy = slots.busy();
        log.info("event=worker_draining jobs_in_hand={} grace_s={}", busy, grace.toSeconds());
        if (!awaitIdle(grace)) {
            log.warn("event=worker_abandoning_jobs jobs_in_hand={} reason=grace_period_over", slots.busy());
            shutdown.abandonInFlightJobs();
            awaitIdle(ABANDON_WAIT);
        }
        running = false;
    }

    private boolean awaitIdle(Duration limit) {
        Instant end = Instant.now().plus(limit);
        while (slots.busy() > 0 && Instant.now().isBefore(end)) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return slots.busy() == 0;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stops before the listener containers (a higher phase stops first). */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE;
    }
}
