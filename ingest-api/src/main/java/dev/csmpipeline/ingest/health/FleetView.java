package dev.csmpipeline.ingest.health;

import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireSerde;
import dev.csmpipeline.model.WorkerHeartbeat;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
 * The worker fleet as its heartbeats on {@link Topics#WORKERS} describe it: who is alive, what model on which
 * device, and whether busy. Read in full by every ingest instance, without a consumer group.
 */
public class FleetView implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(FleetView.class);

    private final Map<String, WorkerHeartbeat> latest = new ConcurrentHashMap<>();
    private final Map<String, Object> config;
    private final Clock clock;
    private volatile KafkaConsumer<String, WorkerHeartbeat> consumer;
    private volatile Thread thread;
    private volatile boolean running;

    public FleetView(String bootstrapServers, Clock clock) {
        this.clock = clock;
        this.config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.CLIENT_ID_CONFIG, "fleet-view-" + ProcessHandle.current().pid());
    }

    /** Workers heard from within {@link WorkerHeartbeat#EXPIRY} that are not stopping, by id. */
    public List<WorkerHeartbeat> liveWorkers() {
        Instant cutoff = clock.instant().minus(WorkerHeartbeat.EXPIRY);
        return latest.values().stream().filter(h -> !h.stopping() && h.at() != null && h.at().isAfter(cutoff))
                .sorted(Comparator.comparing(WorkerHeartbeat::workerId)).toList();
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::run, "fleet-view");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (running) {
            try (KafkaConsumer<String, WorkerHeartbeat> c = new KafkaConsumer<>(config, new StringDeserializer(),
                    WireSerde.of(WorkerHeartbeat.class))) {
                consumer = c;
                List<TopicPartition> partitions = c.partitionsFor(Topics.WORKERS, Duration.ofSeconds(10)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                c.assign(partitions);
                c.seekToBeginning(partitions);
                while (running) {
                    try {
                        for (ConsumerRecord<String, WorkerHeartbeat> r : c.poll(Duration.ofMillis(500))) {
                            if (r.value() == null) {
                                latest.remove(r.key());
                            } else {
                                latest.merge(r.value().workerId(), r.value(),
                                        (a, b) -> b.at().isBefore(a.at()) ? a : b);
                            }
                        }
                    } catch (RecordDeserializationException e) {
                        c.seek(e.topicPartition(), e.offset() + 1);
                    }
                }
            } catch (WakeupException e) {
                return;
            } catch (RuntimeException e) {
                if (running) {
                    log.warn("event=fleet_view_retry reason={}", e.toString());
                    sleep();
                }
            }
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void stop() {
        running = false;
        KafkaConsumer<String, WorkerHeartbeat> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
