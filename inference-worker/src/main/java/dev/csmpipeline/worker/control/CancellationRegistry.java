package dev.csmpipeline.worker.control;

import dev.csmpipeline.model.ControlCommand;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireSerde;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Every cancellation of the fleet, read by each worker from the whole of {@link Topics#CONTROL} (no consumer group:
 * every worker needs every command). Started before the request listeners and caught up to the end of the topic
 * first, so a worker never starts a job that was cancelled while it was down.
 */
public class CancellationRegistry implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CancellationRegistry.class);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(60);
    /** Cancellations older than the request retention cannot match a job still queued. */
    private static final Duration FORGET_AFTER = Duration.ofDays(8);

    private final Map<String, Instant> cancelled = new ConcurrentHashMap<>();
    private final Map<String, Object> consumerConfig;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile KafkaConsumer<String, ControlCommand> consumer;
    private volatile Thread thread;
    private volatile boolean running;
    private final Clock clock;

    public CancellationRegistry(String bootstrapServers, Clock clock) {
        this.clock = clock;
        this.consumerConfig = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.CLIENT_ID_CONFIG, "cancellations-" + ProcessHandle.current().pid());
    }

    /** True when the job, or the narration it belongs to, was cancelled. */
    public boolean isCancelled(String jobId, String narrationIdOrNull) {
        return cancelled.containsKey(jobId) || (narrationIdOrNull != null && cancelled.containsKey(narrationIdOrNull));
    }

    /** Records a cancellation seen here first (the API also publishes it; this closes the race in tests). */
    public void record(ControlCommand command) {
        // A command naming no target is ignored: it cannot cancel anything, and must not stop the reader.
        if (command != null && command.type() == ControlCommand.Type.CANCEL && command.targetId() != null) {
            cancelled.put(command.targetId(), command.at() == null ? clock.instant() : command.at());
        }
    }

    @Override
    public void start() {
        consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                WireSerde.of(ControlCommand.class));
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.CONTROL, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(30));
        running = true;
        thread = new Thread(() -> pollLoop(end), "cancellations");
        thread.setDaemon(true);
        thread.start();
        try {
            if (!caughtUp.await(CATCH_UP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                log.warn("event=cancellations_catch_up_slow waited_s={}", CATCH_UP_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("event=cancellations_loaded count={}", cancelled.size());
    }

    private void pollLoop(Map<TopicPartition, Long> end) {
        try {
            while (running) {
                try {
                    for (ConsumerRecord<String, ControlCommand> r : consumer.poll(Duration.ofMillis(200))) {
                        record(r.value());
                    }
                } catch (RecordDeserializationException e) {
                    log.warn("event=control_record_unreadable partition={} offset={} reason={}",
                            e.topicPartition(), e.offset(), e.getMessage());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                }
                if (caughtUp.getCount() > 0 && end.entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    caughtUp.countDown();
                }
                forgetOld();
            }
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException e) {
            log.error("event=cancellations_reader_failed reason={}", e.toString(), e);
        } finally {
            caughtUp.countDown();
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void forgetOld() {
        Instant limit = clock.instant().minus(FORGET_AFTER);
        cancelled.values().removeIf(at -> at.isBefore(limit));
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<String, ControlCommand> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Thread t = thread;
        if (t != null) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before the listener containers (which start last), so cancellations are known before any job starts. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1000;
    }
}
