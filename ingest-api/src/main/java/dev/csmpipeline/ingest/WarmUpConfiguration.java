package dev.csmpipeline.ingest;

import dev.csmpipeline.ingest.security.WarmUpToken;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.service.StartupWarmUp;
import dev.csmpipeline.service.WarmUpProperties;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;

/**
 * Before the API listens: the wire codec has met each message type, and each of its producers is created (the
 * transactional one with its transactions initialised) and holds the metadata of the topics it writes. Then, once it
 * listens and before it reports ready: {@code WARMUP_CALLS} rounds of sync calls to itself ({@link WarmUpCalls}),
 * time for the JIT compiler to compile what they ran, and a collection of the start-up's garbage. So the first
 * {@code /generate} or submit after a start costs what the next ones do.
 */
@Configuration(proxyBeanMethods = false)
public class WarmUpConfiguration {

    @Bean
    StartupWarmUp ingestWarmUp(DefaultKafkaProducerFactory<String, Object> syncProducerFactory,
                               DefaultKafkaProducerFactory<String, Object> plainProducerFactory,
                               DefaultKafkaProducerFactory<String, Object> acceptProducerFactory,
                               WarmUpProperties warmUp, WarmUpToken token, Environment env) {
        List<StartupWarmUp.Step> beforeStart = List.of(StartupWarmUp.wireCodecs(),
                StartupWarmUp.producer("sync", syncProducerFactory, Topics.REQUESTS_INTERACTIVE, Topics.WARM_UP),
                StartupWarmUp.producer("plain", plainProducerFactory, Topics.REQUESTS_INTERACTIVE, Topics.REQUESTS,
                        Topics.EVENTS, Topics.WARM_UP),
                StartupWarmUp.producer("accept", acceptProducerFactory, Topics.REQUESTS, Topics.EVENTS));
        if (warmUp.calls() == 0) {
            return new StartupWarmUp(beforeStart);
        }
        List<StartupWarmUp.Step> beforeReady = new java.util.ArrayList<>();
        beforeReady.add(WarmUpCalls.step(env, token, warmUp.calls()));
        beforeReady.addAll(StartupWarmUp.settled(warmUp.compilerSettle()));
        return new StartupWarmUp(beforeStart, beforeReady);
    }
}
