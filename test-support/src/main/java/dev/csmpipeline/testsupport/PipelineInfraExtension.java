package dev.csmpipeline.testsupport;

import dev.csmpipeline.localstack.TopicProvisioner;
import dev.csmpipeline.model.TopicSpec;
import java.util.Locale;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a {@link PipelineInfra} before a test class and stops it after. Containers when Docker is available,
 * in-process servers otherwise; {@code PIPELINE_TEST_INFRA=embedded|testcontainers} forces one.
 */
public final class PipelineInfraExtension implements BeforeAllCallback, ParameterResolver {

    private static final Logger log = LoggerFactory.getLogger(PipelineInfraExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE =
            ExtensionContext.Namespace.create(PipelineInfraExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        infra(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PipelineInfra.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return infra(context);
    }

    /**
     * The infrastructure of the {@link WithPipelineInfra} class that {@code context} belongs to, started on first use:
     * for other extensions that start services on it (pipeline-it's {@code Pipeline}).
     */
    public static PipelineInfra infra(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        while (testClass.getEnclosingClass() != null && !testClass.isAnnotationPresent(WithPipelineInfra.class)) {
            testClass = testClass.getEnclosingClass();
        }
        Class<?> owner = testClass;
        ExtensionContext.Store store = classContext(context, owner).getStore(NAMESPACE);
        return store.computeIfAbsent(owner, c -> start(owner.getAnnotation(WithPipelineInfra.class)),
                PipelineInfra.class);
    }

    private static ExtensionContext classContext(ExtensionContext context, Class<?> owner) {
        ExtensionContext c = context;
        while (c.getParent().isPresent() && !(c.getTestClass().orElse(null) == owner
                && c.getTestMethod().isEmpty())) {
            c = c.getParent().get();
        }
        return c;
    }

    private static PipelineInfra start(WithPipelineInfra settings) {
        return start(settings != null && settings.restartableBroker(), settings == null ? 4 : settings.requestPartitions());
    }

    /**
     * Starts infrastructure outside JUnit Jupiter's lifecycle (jqwik properties, benchmarks); the caller closes it
     * with {@link #close(PipelineInfra)}.
     */
    public static PipelineInfra start(boolean restartable, int partitions) {
        String forced = System.getenv().getOrDefault("PIPELINE_TEST_INFRA", "").toLowerCase(Locale.ROOT);
        boolean containers = !restartable && (forced.equals("testcontainers")
                || (forced.isEmpty() && ContainerInfra.dockerAvailable()));
        long t0 = System.nanoTime();
        PipelineInfra infra = containers ? new ContainerInfra() : new EmbeddedInfra(restartable);
        TopicProvisioner.ensure(infra.kafkaBootstrapServers(), TopicSpec.plan(partitions, 2, (short) 1));
        log.info("event=test_infra_started kind={} bootstrap={} s3={} took_ms={}", infra.kind(),
                infra.kafkaBootstrapServers(), infra.storageSettings().endpoint(), (System.nanoTime() - t0) / 1_000_000);
        return infra;
    }

    /** Stops infrastructure started with {@link #start(boolean, int)}. */
    public static void close(PipelineInfra infra) {
        if (infra instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.warn("event=test_infra_close_failed reason={}", e.toString());
            }
        }
    }
}
