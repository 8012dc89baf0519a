package dev.ncsn.infra;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.List;
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
 * The init arg {@value #TOPICS_ARG} creates topics before the application starts (consumers
 * then find them at once).
 *
 * <pre>{@code
 * @QuarkusTest
 * @WithTestResource(value = InfrastructureTestResource.class, initArgs = {
 *         @ResourceArg(name = "topics", value = "ncsn.frames:12,ncsn.model-updates:1:compact")})
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
    /**
     * Init arg listing topics to create before the application starts, comma-separated
     * {@link TopicSpec}s such as {@code ncsn.frames:12,ncsn.model-updates:1:compact}.
     */
    public static final String TOPICS_ARG = "topics";

    private String bucket = LocalInfrastructure.DEFAULT_BUCKET;
    private List<TopicSpec> topics = List.of();
    private LocalInfrastructure infrastructure;

    @Override
    public void init(Map<String, String> initArgs) {
        String value = initArgs.get(BUCKET_ARG);
        if (value != null && !value.isBlank()) {
            bucket = value.trim();
        }
        topics = TopicSpec.parseList(initArgs.get(TOPICS_ARG));
    }

    @Override
    public Map<String, String> start() {
        infrastructure = LocalInfrastructure.shared();
        infrastructure.createBucket(bucket);
        topics.forEach(infrastructure::createTopic);
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
