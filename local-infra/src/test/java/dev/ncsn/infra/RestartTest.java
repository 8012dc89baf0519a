package dev.ncsn.infra;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stop the embedded pair and start it again on the same directory: nothing is lost. */
class RestartTest {

    private static final String TOPIC = "it.restart";
    private static final String COMPACTED = "it.restart-compacted";
    private static final String GROUP = "it-restart";
    private static final String BUCKET = "it-restart";

    @Test
    void topicsOffsetsAndObjectsSurviveARestart(@TempDir Path dataDir) throws Exception {
        List<String> before = IntStream.range(0, 10).mapToObj(i -> "before-" + i).toList();
        byte[] object = "kept across restarts".getBytes(StandardCharsets.UTF_8);

        try (LocalInfrastructure first = LocalInfrastructure.startEmbedded(dataDir)) {
            first.createTopic(TOPIC, 3, Map.of());
            first.createTopic(COMPACTED, 1, Map.of("cleanup.policy", "compact"));
            KafkaTestSupport.send(first.kafkaBootstrapServers(), TOPIC, before);
            try (KafkaConsumer<String, String> consumer =
                    KafkaTestSupport.consumer(first.kafkaBootstrapServers(), GROUP)) {
                consumer.subscribe(List.of(TOPIC));
                assertEquals(before.size(), KafkaTestSupport.pollFor(consumer, before.size(), Duration.ofSeconds(30)).size());
                consumer.commitSync();
            }
            first.createBucket(BUCKET);
            try (MinioClient s3 = first.s3Client()) {
                s3.putObject(PutObjectArgs.builder().bucket(BUCKET).object("kept/object.txt")
                        .stream(new ByteArrayInputStream(object), (long) object.length, -1L).build());
            }
        }

        try (LocalInfrastructure second = LocalInfrastructure.startEmbedded(dataDir)) {
            String bootstrap = second.kafkaBootstrapServers();
            try (Admin admin = Admin.create(second.kafkaClientProperties())) {
                assertTrue(admin.listTopics().names().get().containsAll(List.of(TOPIC, COMPACTED)));
                TopicDescription topic = admin.describeTopics(List.of(TOPIC)).allTopicNames().get().get(TOPIC);
                assertEquals(3, topic.partitions().size());
                ConfigResource compacted = new ConfigResource(ConfigResource.Type.TOPIC, COMPACTED);
                assertEquals("compact", admin.describeConfigs(List.of(compacted)).all().get()
                        .get(compacted).get("cleanup.policy").value());
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get();
                assertEquals(before.size(), committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum(),
                        "committed offsets survive: " + committed);
            }

            // The group resumes after its committed offsets: only the new records arrive.
            List<String> after = IntStream.range(0, 5).mapToObj(i -> "after-" + i).toList();
            KafkaTestSupport.send(bootstrap, TOPIC, after);
            try (KafkaConsumer<String, String> consumer = KafkaTestSupport.consumer(bootstrap, GROUP)) {
                consumer.subscribe(List.of(TOPIC));
                List<ConsumerRecord<String, String>> records =
                        KafkaTestSupport.pollFor(consumer, after.size(), Duration.ofSeconds(30));
                // A little longer, to see that no old record is delivered again.
                records.addAll(KafkaTestSupport.pollFor(consumer, Integer.MAX_VALUE, Duration.ofSeconds(1)));
                assertEquals(after.stream().sorted().toList(),
                        records.stream().map(ConsumerRecord::value).sorted().toList());
            }
            // The old records are still in the log.
            try (KafkaConsumer<String, String> fresh = KafkaTestSupport.consumer(bootstrap, "it-restart-fresh")) {
                fresh.subscribe(List.of(TOPIC));
                assertEquals(before.size() + after.size(),
                        KafkaTestSupport.pollFor(fresh, before.size() + after.size(), Duration.ofSeconds(30)).size());
            }
            try (MinioClient s3 = second.s3Client();
                    GetObjectResponse in = s3.getObject(GetObjectArgs.builder().bucket(BUCKET).object("kept/object.txt").build())) {
                assertArrayEquals(object, in.readAllBytes());
            }
        }
    }

    /**
     * The broker alone restarts under clients that stay open, on the same port and log directory (a broker restart
     * mid-job): a producer's records sent while it is down arrive once it is back, a consumer group continues after
     * its committed offset, and S3 never went away.
     */
    @Test
    void theBrokerRestartsOnTheSamePortAndDataUnderOpenClients(@TempDir Path dataDir) throws Exception {
        try (LocalInfrastructure infra = LocalInfrastructure.startEmbedded(dataDir)) {
            String bootstrap = infra.kafkaBootstrapServers();
            infra.createTopic("it.broker-restart", 1, Map.of());
            try (KafkaProducer<String, String> producer = KafkaTestSupport.producer(bootstrap);
                    KafkaConsumer<String, String> consumer = KafkaTestSupport.consumer(bootstrap, "it-broker-restart")) {
                consumer.subscribe(List.of("it.broker-restart"));
                producer.send(new ProducerRecord<>("it.broker-restart", "a", "before")).get();
                assertEquals(List.of("before"), KafkaTestSupport.pollFor(consumer, 1, Duration.ofSeconds(30)).stream()
                        .map(ConsumerRecord::value).toList());
                consumer.commitSync();

                infra.stopKafka();
                assertFalse(infra.kafkaRunning());
                assertThrows(IllegalStateException.class, infra::stopKafka);
                // send() itself may block (max.block.ms) for metadata the producer dropped at the disconnect, so
                // it goes on its own thread while the broker is restarted
                var whileDown = java.util.concurrent.CompletableFuture.supplyAsync(
                        () -> producer.send(new ProducerRecord<>("it.broker-restart", "b", "while down")));
                infra.createBucket("it-broker-restart"); // S3 is untouched

                infra.startKafka();
                assertTrue(infra.kafkaRunning());
                assertEquals(bootstrap, infra.kafkaBootstrapServers(), "the same address");
                whileDown.get(90, java.util.concurrent.TimeUnit.SECONDS).get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(List.of("while down"), KafkaTestSupport.pollFor(consumer, 1, Duration.ofSeconds(60))
                        .stream().map(ConsumerRecord::value).toList(), "the group goes on after its committed offset");
            }
        }
        assertThrows(IllegalStateException.class, () -> LocalInfrastructure.shared().stopKafka(),
                "the JVM-wide pair is not restarted under other tests");
    }
}
