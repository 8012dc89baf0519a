package dev.ncsn.sampler;

import dev.ncsn.infra.InfrastructureTestResource;

import java.util.Map;

/**
 * {@link InfrastructureTestResource}, started with the system class loader as the thread's context class loader.
 *
 * <p>Why: when a {@code @QuarkusTest} is the first test of the JVM, the shared pair starts from Quarkus' test
 * resource thread, whose context class loader is Quarkus'. {@code LocalInfrastructure.shared()} already runs the
 * broker in the system class loader, but Kafka instantiates some broker classes through the context class loader
 * ({@code DefaultStatePersister}), gets them from Quarkus' loader, and the broker dies with a
 * {@code NoSuchMethodException}. Setting the context class loader here fixes that; once local-infra does so itself
 * this class can go and tests can name {@link InfrastructureTestResource} directly.
 */
public class SystemLoaderInfrastructure extends InfrastructureTestResource {

    @Override
    public Map<String, String> start() {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        thread.setContextClassLoader(ClassLoader.getSystemClassLoader());
        try {
            return super.start();
        } finally {
            thread.setContextClassLoader(previous);
        }
    }
}
