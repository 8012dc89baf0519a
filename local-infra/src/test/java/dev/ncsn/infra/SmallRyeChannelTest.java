package dev.ncsn.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ncsn.infra.app.Words;
import io.minio.BucketExistsArgs;
import io.minio.MinioClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** A tiny Quarkus app with SmallRye Kafka channels, wired by InfrastructureTestResource. */
@QuarkusTest
@WithTestResource(value = InfrastructureTestResource.class,
        initArgs = @ResourceArg(name = InfrastructureTestResource.TOPICS_ARG, value = "it.words:2"))
class SmallRyeChannelTest {

    @Inject
    Words words;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "ncsn.s3.endpoint")
    String s3Endpoint;

    @ConfigProperty(name = "ncsn.s3.access-key")
    String accessKey;

    @ConfigProperty(name = "ncsn.s3.secret-key")
    String secretKey;

    @ConfigProperty(name = "ncsn.s3.bucket")
    String bucket;

    /** Set by the test resource. */
    LocalInfrastructure infra;

    @Test
    void wordsTravelThroughKafkaChannels() throws Exception {
        List<String> sent = List.of("noise", "conditional", "score", "network");
        sent.forEach(words::send);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!words.received().containsAll(sent) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(words.received().containsAll(sent), "received " + words.received());

        // The records are in the real broker: a plain consumer reads them too.
        try (KafkaConsumer<String, String> consumer = KafkaTestSupport.consumer(bootstrap, "it-words-plain")) {
            consumer.subscribe(List.of("it.words"));
            List<String> values = KafkaTestSupport.pollFor(consumer, sent.size(), Duration.ofSeconds(30)).stream()
                    .map(ConsumerRecord::value).toList();
            assertTrue(values.containsAll(sent), "plain consumer read " + values);
        }
    }

    @Test
    void configPointsAtTheSharedPairAndTheBucketExists() throws Exception {
        assertEquals(LocalInfrastructure.DEFAULT_BUCKET, bucket);
        // The pair owned by the system class loader, i.e. the one plain JUnit tests use.
        @SuppressWarnings("unchecked")
        Map<String, String> shared = (Map<String, String>) ClassLoader.getSystemClassLoader()
                .loadClass(LocalInfrastructure.class.getName()).getMethod("sharedDescriptor").invoke(null);
        assertEquals(shared.get("kafka"), bootstrap);
        assertEquals(shared.get("s3"), s3Endpoint);
        assertEquals(LocalInfrastructure.shared().kafkaBootstrapServers(), bootstrap);

        // The topics init arg created the topic before the app started.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            assertEquals(2, admin.describeTopics(List.of("it.words")).allTopicNames().get().get("it.words")
                    .partitions().size());
        }

        try (MinioClient s3 = MinioClient.builder().endpoint(s3Endpoint).credentials(accessKey, secretKey)
                .region(LocalInfrastructure.DEFAULT_REGION).build()) {
            assertTrue(s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build()));
        }
    }

    @Test
    void testResourceInjectsTheInfrastructure() {
        assertNotNull(infra, "a LocalInfrastructure field is injected");
        assertEquals(bootstrap, infra.kafkaBootstrapServers());
    }
}
