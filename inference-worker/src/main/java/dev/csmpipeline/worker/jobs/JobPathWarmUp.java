package dev.csmpipeline.worker.jobs;

import dev.csmpipeline.model.Topics;
import dev.csmpipeline.service.StartupWarmUp;
import dev.csmpipeline.service.WarmUpProperties;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.worker.WorkerProperties;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Before the worker's listeners take a record (the engine is warmed before that, in the engine's configuration): the
 * wire codec has met each message type, the producer holds the metadata of the topics a job's outcome goes to, and
 * the object store has answered once. Once the listeners run, and before the worker reports ready: a full-length
 * and {@code WARMUP_CALLS} short sync jobs through the interactive listener and the job path, then a short one
 * through the worker's own consumer from each interactive partition it holds ({@link WarmUpJobs}), time for the JIT
 * compiler to compile what ran, and a collection of the start-up's garbage. So the first job's decode, synthesis,
 * reply, events and storage cost what the next ones do.
 */
@Configuration(proxyBeanMethods = false)
public class JobPathWarmUp {

    @Bean
    StartupWarmUp jobPathWarmUpSteps(DefaultKafkaProducerFactory<String, Object> workerProducerFactory,
                                     KafkaTemplate<String, Object> workerKafkaTemplate, WarmUpJobs.Route warmUpRoute,
                                     FirstAssignments interactiveAssignments,
                                     ObjectStorage storage, KafkaListenerEndpointRegistry listeners,
                                     WorkerProperties worker, WarmUpProperties warmUp, Clock clock) {
        List<StartupWarmUp.Step> beforeStart = List.of(StartupWarmUp.wireCodecs(),
                StartupWarmUp.producer("worker", workerProducerFactory, Topics.EVENTS, Topics.REPLIES,
                        Topics.NARRATIONS_READY, Topics.WARM_UP, Topics.REQUESTS_INTERACTIVE),
                StartupWarmUp.storage(storage));
        if (warmUp.calls() == 0) {
            return new StartupWarmUp(beforeStart);
        }
        // Once the listener containers exist and run: the jobs go through the interactive container's own listener,
        // and settling waits for what the containers' start compiled too.
        List<StartupWarmUp.Step> beforeReady = new ArrayList<>();
        WarmUpJobs jobs = new WarmUpJobs(listeners, storage, clock);
        beforeReady.add(jobs.step(warmUp.calls(), worker.totalSlots(), warmUp.fullCallMs()));
        beforeReady.add(jobs.throughConsumer(warmUpRoute, workerKafkaTemplate, interactiveAssignments,
                worker.interactiveConsumers()));
        beforeReady.addAll(StartupWarmUp.settled(warmUp.compilerSettle()));
        return new StartupWarmUp(beforeStart, beforeReady);
    }
}
