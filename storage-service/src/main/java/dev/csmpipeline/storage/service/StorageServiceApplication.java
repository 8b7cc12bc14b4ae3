package dev.csmpipeline.storage.service;

import dev.csmpipeline.service.PipelineServiceConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/** The storage service: the bucket's delivery, narration assembly and retention. */
@SpringBootApplication
@Import(PipelineServiceConfiguration.class)
public class StorageServiceApplication {

    public static void main(String[] args) {
        builder().run(args);
    }

    /** The application with its own configuration file, so several services can share one classpath in tests. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(StorageServiceApplication.class)
                .properties("spring.config.name=storage-service");
    }
}
