package dev.ncsn.infra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Quarkus test resource: points a {@code @QuarkusTest} at the JVM-wide
 * {@link LocalInfrastructure#shared()} pair (embedded, or Docker per
 * {@value LocalInfrastructure#MODE_PROPERTY}), creates the bucket, and injects
 * <ul>
 *   <li>{@code kafka.bootstrap.servers} (read by the SmallRye Kafka connector),</li>
 *   <li>{@code ncsn.s3.endpoint}, {@code ncsn.s3.access-key}, {@code ncsn.s3.secret-key},</li>
 *   <li>{@code ncsn.s3.bucket} ({@value LocalInfrastructure#DEFAULT_BUCKET}, or the init arg
 *       {@value #BUCKET_ARG}).</li>
 * </ul>
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(InfrastructureTestResource.class)
 * class MyServiceTest { ... }
 * }</pre>
 *
 * Fields of type {@link LocalInfrastructure} in the test class are set to the pair. Stopping the
 * resource does not stop the pair (other test classes use it); the JVM's exit does. Dev Services
 * must be off in the application ({@code quarkus.devservices.enabled=false}): they need Docker,
 * and they would start a second broker.
 */
public class InfrastructureTestResource implements QuarkusTestResourceLifecycleManager {

    /** Init arg naming the bucket to create and inject as {@code ncsn.s3.bucket}. */
    public static final String BUCKET_ARG = "bucket";

    private String bucket = LocalInfrastructure.DEFAULT_BUCKET;
    private LocalInfrastructure infrastructure;

    @Override
    public void init(Map<String, String> initArgs) {
        String value = initArgs.get(BUCKET_ARG);
        if (value != null && !value.isBlank()) {
            bucket = value.trim();
        }
    }

    @Override
    public Map<String, String> start() {
        infrastructure = LocalInfrastructure.shared();
        infrastructure.createBucket(bucket);
        return infrastructure.config(bucket);
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(infrastructure, new TestInjector.MatchesType(LocalInfrastructure.class));
    }

    @Override
    public void stop() {
        // The shared pair outlives each test class; a shutdown hook stops it at JVM exit.
    }
}
