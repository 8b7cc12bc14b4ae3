package dev.csmpipeline.model;

import java.util.List;

/** Kafka topic names of the pipeline. Services bind these constants; nobody spells a topic name twice. */
public final class Topics {

    /** Synchronous (interactive) synthesis requests; workers serve this topic before {@link #REQUESTS}. Key: job id. */
    public static final String REQUESTS_INTERACTIVE = "tts.requests.interactive";
    /** Asynchronous jobs and narration segments. Key: job id. */
    public static final String REQUESTS = "tts.requests";
    /** Lifecycle events of every job ({@link JobEvent}). Key: job id. */
    public static final String EVENTS = "tts.events";
    /** Replies to synchronous calls ({@link SynthesisReply}), routed to the waiting ingest instance by partition. */
    public static final String REPLIES = "tts.replies";
    /**
     * Audio of streaming jobs as it is generated ({@link SpeechChunk}), key: job id. A sync call's chunks go to the
     * partition of the waiting ingest instance (its reply partition, as for {@link #REPLIES}); an async job's to the
     * partition of its key, where any instance can read them.
     */
    public static final String AUDIO_CHUNKS = "tts.audio.chunks";
    /** Control commands ({@link ControlCommand}), read in full by every worker. Key: target id. Compacted. */
    public static final String CONTROL = "tts.control";

    /** Narrations whose segments all finished, for the storage service to assemble ({@link NarrationReady}). */
    public static final String NARRATIONS_READY = "tts.narrations.ready";
    /** Worker heartbeats ({@link WorkerHeartbeat}), keyed by worker id. Compacted. */
    public static final String WORKERS = "tts.workers";

    /**
     * What a service's start-up warm-up writes ({@link WarmUp}): the events and reply of a worker's warm-up jobs, an
     * ingest instance's warm-up requests. Nobody serves it; it keeps warm-up outcomes off the job topics, so no caller
     * and no other worker ever sees a warm-up job (the few warm-up records that do go to job topics, for the code
     * that reads them to run: {@link WarmUp}). One partition, kept an hour.
     */
    public static final String WARM_UP = "tts.warm-up";

    /** Suffix of a dead-letter topic: a record that cannot be read or keeps failing goes to {@code <source>-dlt}. */
    public static final String DLT_SUFFIX = "-dlt";

    /** Default partition count of the request topics: the ceiling on the number of busy workers. */
    public static final int DEFAULT_REQUEST_PARTITIONS = 12;
    /** Default partition count of the events, replies and control topics. */
    public static final int DEFAULT_OTHER_PARTITIONS = 6;

    private Topics() {
    }

    /** The dead-letter topic of {@code topic}. */
    public static String dlt(String topic) {
        return topic + DLT_SUFFIX;
    }

    /** Every topic the pipeline needs, dead-letter topics included. */
    public static List<String> all() {
        return List.of(REQUESTS_INTERACTIVE, REQUESTS, EVENTS, REPLIES, AUDIO_CHUNKS, CONTROL, WORKERS, NARRATIONS_READY,
                WARM_UP, dlt(REQUESTS_INTERACTIVE), dlt(REQUESTS), dlt(EVENTS), dlt(NARRATIONS_READY));
    }

    /** True for topics whose partition count bounds worker parallelism. */
    public static boolean isRequestTopic(String topic) {
        return REQUESTS.equals(topic) || REQUESTS_INTERACTIVE.equals(topic);
    }
}
