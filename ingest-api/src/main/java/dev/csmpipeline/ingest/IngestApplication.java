package dev.csmpipeline.ingest;

import dev.csmpipeline.service.PipelineServiceConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/** The ingest API: the pipeline's HTTP front door. */
@SpringBootApplication
@Import(PipelineServiceConfiguration.class)
public class IngestApplication {

    public static void main(String[] args) {
        builder().run(args);
    }

    /** The application with its own configuration file, so several services can share one classpath in tests. */
    public static SpringApplicationBuilder builder() {
        return new SpringApplicationBuilder(IngestApplication.class).properties("spring.config.name=ingest-api");
    }
}
