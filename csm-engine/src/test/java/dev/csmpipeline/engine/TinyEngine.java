package dev.csmpipeline.engine;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The engine tests' shared fixture: the tiny random engine ({@link TinyReference#BUNDLE}, 2 CPU threads), loaded once
 * for the whole test run and closed when it ends (the root store closes what it holds). A test class declares
 * {@code @ExtendWith(TinyEngine.class)} and takes it as a {@link CsmEngine} parameter of its {@code @BeforeAll}.
 * Tests that need other options, or close their engine, load their own.
 */
final class TinyEngine implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(TinyEngine.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == CsmEngine.class;
    }

    @Override
    public CsmEngine resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).computeIfAbsent("engine",
                key -> CsmEngine.load(TinyReference.BUNDLE, EngineOptions.cpu(2)), CsmEngine.class);
    }
}
