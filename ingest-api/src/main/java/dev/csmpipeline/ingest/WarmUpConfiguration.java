package dev.csmpipeline.ingest;

import dev.csmpipeline.ingest.security.WarmUpToken;
import dev.csmpipeline.ingest.status.WarmUpStatus;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.service.StartupWarmUp;
import dev.csmpipeline.service.WarmUpProperties;
import java.time.Duration;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;

/**
 * Before the API listens: the wire codec has met each message type, and each of its producers is created (the
 * transactional one with its transactions initialised) and holds the metadata of the topics it writes. Then, once it
 * listens and before it reports ready: a full-length sync call and {@code WARMUP_CALLS} rounds of short ones to
 * itself ({@link WarmUpCalls}), the status table's folding of their events ({@link WarmUpStatus}), time for the JIT
 * compiler to compile what they ran, and a collection of the start-up's garbage. So the first {@code /generate} or
 * submit after a start costs what the next ones do.
 */
@Configuration(proxyBeanMethods = false)
public class WarmUpConfiguration {

    /**
     * How long the warm-up waits for the status table to fold its calls' events: a fresh start joins its group in a
     * few seconds; after a crash the group waits for the dead member's session to time out, and readiness does not.
     */
    static final Duration STATUS_TABLE_WAIT = Duration.ofSeconds(10);

    @Bean
    StartupWarmUp ingestWarmUp(DefaultKafkaProducerFactory<String, Object> syncProducerFactory,
                               DefaultKafkaProducerFactory<String, Object> plainProducerFactory,
                               DefaultKafkaProducerFactory<String, Object> acceptProducerFactory,
                               WarmUpProperties warmUp, WarmUpToken token, WarmUpStatus warmUpStatus,
                               Environment env) {
        List<StartupWarmUp.Step> beforeStart = List.of(StartupWarmUp.wireCodecs(),
                StartupWarmUp.producer("sync", syncProducerFactory, Topics.REQUESTS_INTERACTIVE, Topics.WARM_UP),
                StartupWarmUp.producer("plain", plainProducerFactory, Topics.REQUESTS_INTERACTIVE, Topics.REQUESTS,
                        Topics.EVENTS, Topics.WARM_UP),
                StartupWarmUp.producer("accept", acceptProducerFactory, Topics.REQUESTS, Topics.EVENTS));
        if (warmUp.calls() == 0) {
            return new StartupWarmUp(beforeStart);
        }
        List<StartupWarmUp.Step> beforeReady = new java.util.ArrayList<>();
        beforeReady.add(WarmUpCalls.step(env, token, warmUp.calls(), warmUp.fullCallMs()));
        beforeReady.add(warmUpStatus.caughtUp(STATUS_TABLE_WAIT));
        beforeReady.addAll(StartupWarmUp.settled(warmUp.compilerSettle()));
        return new StartupWarmUp(beforeStart, beforeReady);
    }
}
