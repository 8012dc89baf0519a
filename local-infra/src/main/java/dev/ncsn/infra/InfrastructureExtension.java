package dev.ncsn.infra;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension giving tests the JVM-wide {@link LocalInfrastructure#shared()} pair: real
 * Kafka and S3, embedded or in Docker per {@value LocalInfrastructure#MODE_PROPERTY}.
 *
 * <pre>{@code
 * @ExtendWith(InfrastructureExtension.class)
 * class MyTest {
 *     @Test
 *     void works(LocalInfrastructure infra) {
 *         String bootstrap = infra.kafkaBootstrapServers();
 *         ...
 *     }
 * }
 * }</pre>
 *
 * The pair starts before the first such test class (not inside a test's time) and stops when
 * the JVM exits; test classes share it, so tests should use their own topic names, group ids
 * and buckets (or object keys).
 */
public final class InfrastructureExtension implements BeforeAllCallback, ParameterResolver {

    @Override
    public void beforeAll(ExtensionContext context) {
        LocalInfrastructure.shared();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == LocalInfrastructure.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return LocalInfrastructure.shared();
    }
}
