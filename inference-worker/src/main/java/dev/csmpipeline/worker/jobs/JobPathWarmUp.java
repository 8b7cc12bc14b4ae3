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
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Before the worker's listeners take a record (the engine is warmed before that, in the engine's configuration): the
 * wire codec has met each message type, the producer holds the metadata of the topics a job's outcome goes to, the
 * object store has answered once, and {@code WARMUP_CALLS} sync jobs have run through the job path
 * ({@link WarmUpJobs}). Once the listeners run, and before the worker reports ready, the JIT compiler is given time to
 * compile what ran and the start-up's garbage is collected. So the first job's decode, synthesis, reply, events and
 * storage cost what the next ones do.
 */
@Configuration(proxyBeanMethods = false)
public class JobPathWarmUp {

    @Bean
    StartupWarmUp jobPathWarmUpSteps(DefaultKafkaProducerFactory<String, Object> workerProducerFactory,
                                     KafkaTemplate<String, Object> workerKafkaTemplate, ObjectStorage storage,
                                     JobProcessor processor, JobLifecycle lifecycle, WorkerProperties worker,
                                     WarmUpProperties warmUp, Clock clock) {
        List<StartupWarmUp.Step> steps = new ArrayList<>(List.of(StartupWarmUp.wireCodecs(),
                StartupWarmUp.producer("worker", workerProducerFactory, Topics.EVENTS, Topics.REPLIES,
                        Topics.NARRATIONS_READY, Topics.WARM_UP),
                StartupWarmUp.storage(storage)));
        if (warmUp.calls() == 0) {
            return new StartupWarmUp(steps);
        }
        steps.add(new WarmUpJobs(processor, lifecycle, workerKafkaTemplate, storage, clock)
                .step(warmUp.calls(), worker.totalSlots()));
        // Settling waits until the listener containers have started too: their start compiles code of its own.
        return new StartupWarmUp(steps, StartupWarmUp.settled(warmUp.compilerSettle()));
    }
}
