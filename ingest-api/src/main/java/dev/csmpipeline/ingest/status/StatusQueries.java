package dev.csmpipeline.ingest.status;

import dev.csmpipeline.ingest.IngestProperties;
import dev.csmpipeline.model.JobIds;
import dev.csmpipeline.model.JobStatus;
import dev.csmpipeline.model.NarrationProgress;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.service.ApiError;
import dev.csmpipeline.service.ApiException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.kafka.config.StreamsBuilderFactoryBean;
import org.springframework.kafka.streams.KafkaStreamsInteractiveQueryService;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestClientException;
import org.springframework.web.client.RestClientResponseException;

/**
 * Reads the status tables in place (Kafka Streams interactive queries). A key owned by another ingest instance is
 * asked of that instance over HTTP (its {@code application.server}); a job accepted a moment ago and not folded yet
 * is found in {@link RecentlyAccepted} or waited for, so a submit is never followed by a 404.
 */
public class StatusQueries {

    private static final Logger log = LoggerFactory.getLogger(StatusQueries.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration STORE_WAIT = Duration.ofSeconds(10);

    private final KafkaStreamsInteractiveQueryService queries;
    private final StreamsBuilderFactoryBean streams;
    private final RecentlyAccepted recent;
    private final IngestProperties props;
    private final RestClient peers;
    private final Clock clock;

    public StatusQueries(KafkaStreamsInteractiveQueryService queries, StreamsBuilderFactoryBean streams,
                         RecentlyAccepted recent, IngestProperties props, RestClient peers, Clock clock) {
        this.queries = queries;
        this.streams = streams;
        this.recent = recent;
        this.props = props;
        this.peers = peers;
        this.clock = clock;
    }

    /** The status of a job, wherever its table partition lives. */
    public Optional<JobStatus> find(String jobId) {
        Optional<JobStatus> found = lookup(jobId).or(() -> recent.get(jobId));
        if (found.isPresent() || !isRecent(jobId)) {
            return found;
        }
        Instant end = clock.instant().plus(props.readYourWrite());
        while (found.isEmpty() && clock.instant().isBefore(end)) {
            sleep();
            found = lookup(jobId).or(() -> recent.get(jobId));
        }
        return found;
    }

    /** The status in this instance's own store partitions only (asked by peers). */
    public Optional<JobStatus> findLocal(String jobId) {
        return findLocal(StatusTopology.STATUS_STORE, jobId, JobStatus.class);
    }

    /** A value of one of the status tables in this instance's own partitions (asked by peers). */
    public <T> Optional<T> findLocal(String store, String key, Class<T> type) {
        return withStore(store, s -> Optional.ofNullable(s.get(key)).filter(type::isInstance).map(type::cast));
    }

    /** A narration's progress, wherever its partition lives. */
    public Optional<NarrationProgress> narrationProgress(String narrationId) {
        return lookup(StatusTopology.NARRATION_STORE, narrationId, NarrationProgress.class);
    }

    /** The job a tenant's Idempotency-Key created, if any. */
    public Optional<String> idempotentJob(String tenant, String key) {
        String k = StatusTopology.idempotencyKey(tenant, key);
        HostInfo owner = owner(StatusTopology.IDEMPOTENCY_STORE, k);
        if (owner == null || isSelf(owner)) {
            return withStore(StatusTopology.IDEMPOTENCY_STORE, store -> Optional.ofNullable((String) store.get(k)));
        }
        try {
            String body = peers.get().uri(url(owner, "/internal/idempotency?tenant={t}&key={k}"), tenant, key)
                    .retrieve().body(String.class);
            return Optional.ofNullable(body).filter(s -> !s.isBlank());
        } catch (RestClientResponseException e) {
            if (e.getStatusCode().value() == 404) {
                return Optional.empty();
            }
            throw unavailable("instance " + owner + " did not answer: " + e.getStatusCode());
        } catch (RestClientException e) {
            throw unavailable("instance " + owner + " unreachable: " + e.getMessage());
        }
    }

    /** A page of jobs from every instance's partitions, newest first. */
    public List<JobStatus> list(JobQuery query) {
        List<JobStatus> all = new ArrayList<>();
        for (StreamsMetadata m : kafkaStreams().metadataForAllStreamsClients()) {
            if (!m.stateStoreNames().contains(StatusTopology.STATUS_STORE)) {
                continue;
            }
            if (isSelf(m.hostInfo())) {
                all.addAll(listLocal(query));
            } else {
                all.addAll(listRemote(m.hostInfo(), query));
            }
        }
        if (all.isEmpty()) {
            all.addAll(listLocal(query));
        }
        return all.stream().sorted(Comparator.comparing(JobStatus::jobId).reversed()).distinct()
                .limit(query.limit()).toList();
    }

    /**
     * A page of jobs from this instance's partitions, newest first. The store spans the instance's partitions and its
     * iterator runs through them one after another, each newest first, so the newest page overall is kept while
     * reading them all, not taken from the first partition's head.
     */
    public List<JobStatus> listLocal(JobQuery query) {
        Comparator<JobStatus> byId = Comparator.comparing(JobStatus::jobId);
        return withStore(StatusTopology.STATUS_STORE, store -> {
            PriorityQueue<JobStatus> newest = new PriorityQueue<>(byId); // its head is the oldest kept
            try (KeyValueIterator<String, Object> it = store.reverseAll()) {
                while (it.hasNext()) {
                    KeyValue<String, Object> kv = it.next();
                    if (kv.value instanceof JobStatus s && query.matches(s)) {
                        newest.add(s);
                        if (newest.size() > query.limit()) {
                            newest.poll();
                        }
                    }
                }
            }
            return newest.stream().sorted(byId.reversed()).toList();
        });
    }

    private List<JobStatus> listRemote(HostInfo host, JobQuery q) {
        try {
            byte[] body = peers.get().uri(url(host, "/internal/status?tenant={t}&state={s}&kind={k}&before={b}"
                            + "&limit={l}"), q.tenant(), q.state() == null ? "" : q.state().name(),
                    q.kind() == null ? "" : q.kind().name(), q.before() == null ? "" : q.before(), q.limit())
                    .retrieve().body(byte[].class);
            return body == null ? List.of() : List.of(WireJson.decode(body, JobStatus[].class));
        } catch (RestClientException e) {
            throw unavailable("instance " + host + " holding part of the job list is unreachable: " + e.getMessage());
        }
    }

    private Optional<JobStatus> lookup(String jobId) {
        return lookup(StatusTopology.STATUS_STORE, jobId, JobStatus.class);
    }

    private <T> Optional<T> lookup(String store, String key, Class<T> type) {
        HostInfo owner = owner(store, key);
        if (owner == null || isSelf(owner)) {
            return findLocal(store, key, type);
        }
        try {
            byte[] body = peers.get().uri(url(owner, "/internal/stores/{store}/{key}"), store, key).retrieve()
                    .body(byte[].class);
            return Optional.ofNullable(body).map(b -> WireJson.decode(b, type));
        } catch (RestClientResponseException e) {
            if (e.getStatusCode().value() == 404) {
                return Optional.empty();
            }
            throw unavailable("instance " + owner + " owning " + key + " answered " + e.getStatusCode());
        } catch (RestClientException e) {
            throw unavailable("instance " + owner + " owning " + key + " is unreachable: " + e.getMessage());
        }
    }

    private HostInfo owner(String store, String key) {
        try {
            HostInfo host = queries.getKafkaStreamsApplicationHostInfo(store, key, Serdes.String().serializer());
            return host == null || host.host() == null || host.port() < 0 ? null : host;
        } catch (RuntimeException e) {
            log.debug("event=owner_unknown store={} reason={}", store, e.toString());
            return null;
        }
    }

    private boolean isSelf(HostInfo host) {
        HostInfo self = queries.getCurrentKafkaStreamsApplicationHostInfo();
        return self == null || self.equals(host);
    }

    /**
     * Runs {@code read} on a local store, waiting up to {@link #STORE_WAIT} while the store is not queryable (at
     * start, during a rebalance); then 503.
     */
    private <T> T withStore(String name, Function<ReadOnlyKeyValueStore<String, Object>, T> read) {
        Instant end = clock.instant().plus(STORE_WAIT);
        while (true) {
            try {
                return read.apply(queries.retrieveQueryableStore(name, QueryableStoreTypes.keyValueStore()));
            } catch (InvalidStateStoreException | IllegalStateException e) {
                if (clock.instant().isAfter(end)) {
                    throw unavailable("the status table is being rebuilt after a restart or rebalance ("
                            + e.getMessage() + "); retry in a few seconds");
                }
                sleep();
            }
        }
    }

    private KafkaStreams kafkaStreams() {
        KafkaStreams ks = streams.getKafkaStreams();
        if (ks == null) {
            throw unavailable("the status table is not running yet");
        }
        return ks;
    }

    /** True for version-7 ids minted within the read-your-write window, the only ones worth waiting for. */
    private boolean isRecent(String jobId) {
        return JobIds.createdAt(jobId).map(t -> t.isAfter(clock.instant().minus(Duration.ofMinutes(1))))
                .orElse(false);
    }

    private static String url(HostInfo host, String path) {
        return "http://" + host.host() + ":" + host.port() + path;
    }

    private static ApiException unavailable(String message) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, ApiError.of("status_unavailable", message));
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
