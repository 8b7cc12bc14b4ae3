package dev.csmpipeline.model;

import java.time.Instant;

/**
 * A worker's periodic sign of life on {@link Topics#WORKERS}, so the API can report the fleet on /health.
 *
 * @param workerId   the worker
 * @param model      model it serves
 * @param modelKind  {@code pretrained}, {@code random-init}, {@code tiny-random} or {@code fixed-cost-standin}
 * @param device     execution device
 * @param busy       whether it is synthesizing now
 * @param jobsDone   jobs finished since it started
 * @param at         when it was sent
 * @param stopping   true in the last heartbeat of a worker shutting down
 */
public record WorkerHeartbeat(String workerId, String model, String modelKind, String device, boolean busy,
                              long jobsDone, Instant at, boolean stopping) {

    /** Heartbeats are sent this often. */
    public static final java.time.Duration INTERVAL = java.time.Duration.ofSeconds(5);
    /** A worker silent for this long is considered gone. */
    public static final java.time.Duration EXPIRY = java.time.Duration.ofSeconds(20);
}
