package dev.csmpipeline.testsupport;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the annotated test class a {@link PipelineInfra} (inject it as a parameter of a test, {@code @BeforeAll}
 * or {@code @BeforeEach} method). One broker and one S3 server per class, stopped after the class.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PipelineInfraExtension.class)
public @interface WithPipelineInfra {

    /**
     * True for fault tests that stop and restart the broker: the broker then runs as a child process on a fixed
     * port with its data on disk, whatever Docker offers.
     */
    boolean restartableBroker() default false;

    /** Partitions of the request topics. */
    int requestPartitions() default 4;
}
