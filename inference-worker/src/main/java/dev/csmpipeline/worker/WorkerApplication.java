package dev.csmpipeline.worker;

import dev.csmpipeline.service.PipelineServiceConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.EnableScheduling;

/** The inference worker: one member of the Kafka consumer group that synthesizes speech. */
@SpringBootApplication
@EnableScheduling
@Import(PipelineServiceConfiguration.class)
public class WorkerApplication {

    public static void main(String[] args) {
        System.setProperty("OPT_OUT_TRACKING", "true");
        System.setProperty("ai.djl.offline", "true");
        builder().run(args);
    }

    /** The application with its own configuration file, so several services can share one classpath in tests. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(WorkerApplication.class).properties("spring.config.name=inference-worker");
    }
}
