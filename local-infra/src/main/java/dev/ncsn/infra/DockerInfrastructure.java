package dev.ncsn.infra;

import java.util.List;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MinIOContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * The Docker half of the switch: Testcontainers' Kafka (apache/kafka, KRaft) and MinIO. Only
 * loaded when Docker mode is chosen or probed, so Testcontainers costs nothing otherwise.
 */
final class DockerInfrastructure {

    /** Override with -Dncsn.infra.kafka-image=...; keep equal to the kafka-clients version. */
    static final String KAFKA_IMAGE = System.getProperty("ncsn.infra.kafka-image", "apache/kafka:4.2.1");
    /** Override with -Dncsn.infra.minio-image=... */
    static final String MINIO_IMAGE = System.getProperty("ncsn.infra.minio-image",
            "minio/minio:RELEASE.2025-09-07T16-13-09Z");

    private DockerInfrastructure() {
    }

    static boolean available() {
        return DockerClientFactory.instance().isDockerAvailable();
    }

    static LocalInfrastructure start(String accessKey, String secretKey) {
        QuietLogging.apply();
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE)
                .asCompatibleSubstituteFor("apache/kafka"))
                // The same single-node settings as EmbeddedKafka (Testcontainers sets the others).
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
        MinIOContainer minio = new MinIOContainer(DockerImageName.parse(MINIO_IMAGE)
                .asCompatibleSubstituteFor("minio/minio"))
                .withUserName(accessKey)
                .withPassword(secretKey);
        try {
            Startables.deepStart(kafka, minio).join();
        } catch (RuntimeException e) {
            minio.stop();
            kafka.stop();
            throw new IllegalStateException("Testcontainers Kafka/MinIO did not start", e);
        }
        AutoCloseable stopKafka = kafka::stop;
        AutoCloseable stopMinio = minio::stop;
        return new LocalInfrastructure(LocalInfrastructure.Mode.DOCKER, kafka.getBootstrapServers(),
                minio.getS3URL(), accessKey, secretKey, List.of(stopKafka, stopMinio), true);
    }
}
