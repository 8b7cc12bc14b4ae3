package dev.csmpipeline.ingest.health;

import dev.csmpipeline.model.WorkerHeartbeat;
import dev.csmpipeline.storage.client.ObjectStorage;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;

/**
 * Whether the pipeline can serve: the broker answers, at least one worker is alive, storage answers, and the status
 * table runs. Checks are cached for a second so a busy health probe does not load the broker.
 */
public class PipelineHealth {

    private static final Duration CACHE = Duration.ofSeconds(1);

    private final Admin admin;
    private final ObjectStorage storage;
    private final FleetView fleet;
    private final StreamsBuilderFactoryBean streams;
    private final String bootstrap;
    private final Clock clock;
    private volatile Report cached;

    public PipelineHealth(Admin admin, ObjectStorage storage, FleetView fleet, StreamsBuilderFactoryBean streams,
                          String bootstrap, Clock clock) {
        this.admin = admin;
        this.storage = storage;
        this.fleet = fleet;
        this.streams = streams;
        this.bootstrap = bootstrap;
        this.clock = clock;
    }

    /**
     * A health report.
     *
     * @param brokerReachable the Kafka cluster answered a metadata request
     * @param storageReachable the bucket answered
     * @param workers         live workers
     * @param statusTable     state of the Kafka Streams status table
     * @param at              when it was checked
     */
    public record Report(boolean brokerReachable, boolean storageReachable, List<WorkerHeartbeat> workers,
                         String statusTable, Instant at) {

        public boolean canServe() {
            return brokerReachable && storageReachable && !workers.isEmpty()
                    && ("RUNNING".equals(statusTable) || "REBALANCING".equals(statusTable));
        }

        /** Reasons it cannot serve, for people. */
        public List<String> problems() {
            Map<String, Boolean> checks = new LinkedHashMap<>();
            checks.put("Kafka broker unreachable", !brokerReachable);
            checks.put("object storage unreachable", !storageReachable);
            checks.put("no live inference worker", workers.isEmpty());
            checks.put("status table not running (" + statusTable + ")",
                    !("RUNNING".equals(statusTable) || "REBALANCING".equals(statusTable)));
            return checks.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
        }
    }

    public String bootstrap() {
        return bootstrap;
    }

    /** Whether the status table has been RUNNING since this instance started: only then can it answer queries. */
    private volatile boolean tableHasRun;

    public Report check() {
        Report r = cached;
        Instant now = clock.instant();
        if (r != null && r.at().plus(CACHE).isAfter(now)) {
            return r;
        }
        KafkaStreams ks = streams.getKafkaStreams();
        String table = ks == null ? "NOT_STARTED" : ks.state().name();
        if ("RUNNING".equals(table)) {
            tableHasRun = true;
        } else if ("REBALANCING".equals(table) && !tableHasRun) {
            // the first assignment after a start: the stores cannot answer yet (a later rebalance keeps serving)
            table = "STARTING";
        }
        r = new Report(brokerReachable(), storage.isReachable(), fleet.liveWorkers(), table, now);
        cached = r;
        return r;
    }

    private boolean brokerReachable() {
        try {
            return !admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }
}
