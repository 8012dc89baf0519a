package dev.ncsn.trainer.core;

import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.infra.TopicReader;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.store.Bucket;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.trainer.config.GateSettings;
import dev.ncsn.trainer.config.TrainerSettings;
import dev.ncsn.trainer.data.DatasetCatalog;
import dev.ncsn.trainer.data.DatasetRef;
import dev.ncsn.trainer.kafka.KafkaModelUpdates;
import dev.ncsn.trainer.kafka.KafkaProducerSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.minio.MinioClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * A bucket and a model-updates topic of a test class's own on the shared local infrastructure, the Fashion-MNIST
 * subset as a dataset in the store, and TrainerNodes on them.
 */
public final class TrainerFixture implements AutoCloseable {

    public static final Path SUBSET = Path.of("../shared-model/src/test/resources/fashion-mnist-subset");
    /** The tests' network: 28×28, ngf 4, 10 levels. */
    public static final Architecture TINY = new Architecture("custom", 1, 28, 4, 10);

    public final LocalInfrastructure infra;
    public final String bucketName;
    public final String topic;
    public final MinioClient client;
    public final ModelStore store;
    public final Bucket bucket;
    public final KafkaProducerSink sink;
    public final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<TrainerNode> nodes = new ArrayList<>();

    public TrainerFixture(LocalInfrastructure infra, String name) {
        this.infra = infra;
        this.bucketName = "trainer-" + name;
        this.topic = "test." + name + ".model-updates";
        infra.createBucket(bucketName);
        // The topic as the trainer itself would create it: the plan's model-updates topic under this name.
        KafkaModelUpdates.topicPlan(topic).topics()
                .forEach(t -> infra.createTopic(t.name(), t.partitions(), t.configs()));
        this.client = infra.s3Client();
        this.store = new ModelStore(client, bucketName);
        this.bucket = new Bucket(client, bucketName);
        this.sink = new KafkaProducerSink(infra.kafkaBootstrapServers(), topic);
    }

    /** Small gate, quick polling and logging. */
    public static TrainerSettings settings(Path workDir) {
        return TrainerSettings.defaults(workDir)
                .withGate(new GateSettings(0.02, 16, 7L, 16))
                .withDataPollInterval(Duration.ofMillis(200));
    }

    public TrainerNode node(Path workDir, UnaryOperator<TrainerSettings> adjust) {
        TrainerNode node = new TrainerNode(adjust.apply(settings(workDir)), store, bucket, sink, meters);
        nodes.add(node);
        return node;
    }

    public TopicReader updates() {
        return new TopicReader(infra.kafkaBootstrapServers(), topic);
    }

    public static byte[] subsetFile(String name) {
        try {
            return Files.readAllBytes(SUBSET.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Publishes the subset (1500 training images, the 500 t10k images held out) as the next version of a dataset. */
    public DatasetRef publishSubset(String dataset) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("train-images-idx3-ubyte.gz", subsetFile("train-images-idx3-ubyte.gz"));
        files.put("train-labels-idx1-ubyte.gz", subsetFile("train-labels-idx1-ubyte.gz"));
        files.put("t10k-images-idx3-ubyte.gz", subsetFile("t10k-images-idx3-ubyte.gz"));
        return new DatasetCatalog(bucket).publish(dataset, files);
    }

    /** A request for the tiny network, batch 8, 2-image preview grids with 2 steps per level. */
    public static RunRequest tinyRun(String runId, String model, RunRequest.Source data, long steps, int every,
                              double emaRate, boolean continuous, String init) {
        return new RunRequest(runId, model, data, null, init, continuous, null,
                new RunRequest.ArchitectureField(TINY.channels(), TINY.imageSize(), TINY.ngf(), TINY.levels()),
                null, 8, steps, null, emaRate, 11L, null, every, 2, 2);
    }

    public static RunRequest.Source dataset(String name) {
        return new RunRequest.Source(null, null, name, null);
    }

    /** The index-th event keyed by the model, as soon as it arrives. */
    public static ConsumerRecord<String, String> awaitEvent(TopicReader events, String model, int index,
                                                            Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<ConsumerRecord<String, String>> mine = events.records().stream()
                    .filter(r -> model.equals(r.key())).toList();
            if (mine.size() > index) {
                return mine.get(index);
            }
            TopicReader.sleep(10);
        }
        throw new AssertionError("no event #" + index + " for " + model + " within " + timeout);
    }

    @Override
    public void close() {
        for (TrainerNode n : nodes) {
            n.close(Duration.ofSeconds(60));
        }
        sink.close();
        try {
            client.close();
        } catch (Exception e) {
            // ignore
        }
    }
}
