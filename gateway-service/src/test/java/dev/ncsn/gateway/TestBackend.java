package dev.ncsn.gateway;

import ai.djl.ndarray.NDManager;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.DeadLetter;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnV2ScoreNetwork;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.common.kafka.TopicCreator;
import dev.ncsn.model.contract.TopicPlan;
import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.core.JobEventSink;
import dev.ncsn.sampler.core.SamplerNode;
import dev.ncsn.sampler.kafka.DeadLetterSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The real back end of the gateway's tests, on the shared embedded Kafka and S3: a tiny 28×28 model (ngf 4,
 * ten levels) published to the store and made live, and one {@link SamplerNode} (sampler-service's worker, the
 * same classes the sampler service runs) in the sampler group the gateway measures, on the default topics.
 * Started once per JVM.
 */
final class TestBackend {

    static final String MODEL = "gateway-test-model";
    static final String VERSION = "v1";
    static final Architecture ARCHITECTURE = new Architecture("custom", 1, 28, 4, 10);
    static final int SIZE = 28;
    private static final String STARTED = "ncsn.gateway.test.worker";

    private TestBackend() {
    }

    /** Publishes the model (once) and starts the worker (once per JVM, whichever class loader asks first). */
    static synchronized void start() {
        LocalInfrastructure infra = LocalInfrastructure.shared();
        publishModel(infra);
        if (System.getProperties().get(STARTED) != null) {
            return;
        }
        SamplerSettings.TopicNames topics = SamplerSettings.TopicNames.defaults();
        TopicCreator.createMissing(infra.kafkaBootstrapServers(),
                TopicPlan.standard(topics.toPlanNames(), 2, Duration.ofHours(1)), (short) 1);
        SamplerSettings d = SamplerSettings.defaults(infra.kafkaBootstrapServers(), "ncsn-sampler", "gateway-test-worker",
                topics, List.of(MODEL));
        SamplerSettings settings = new SamplerSettings(d.bootstrapServers(), d.groupId(), d.instanceId(), topics,
                d.models(), 4, 64, 1000, Duration.ofMinutes(10), "cpu", Duration.ofMillis(50), Duration.ofSeconds(1),
                Map.of("heartbeat.interval.ms", "500"));
        Sinks sinks = new Sinks(infra.kafkaBootstrapServers(), topics);
        SamplerNode node = new SamplerNode(settings, new ModelStore(infra.s3Client(), LocalInfrastructure.DEFAULT_BUCKET),
                sinks, sinks, new SimpleMeterRegistry());
        node.start();
        Thread control = controlReader(infra.kafkaBootstrapServers(), topics.control(), node);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!node.ready()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the test worker is not ready: " + node.versions() + ", " + node.broken());
            }
            sleep(50);
        }
        AutoCloseable stop = () -> {
            control.interrupt();
            node.crash();
            sinks.close();
        };
        System.getProperties().put(STARTED, stop);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                stop.close();
            } catch (Exception e) {
                // exiting anyway
            }
        }, "gateway-test-worker-stop"));
    }

    /**
     * What the sampler service's SmallRye control channel does: every cancel on the control topic goes to the
     * worker (the node itself reads only the request topics).
     */
    private static Thread controlReader(String bootstrap, String topic, SamplerNode node) {
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false"), new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Thread t = new Thread(() -> {
            try (consumer) {
                while (!Thread.currentThread().isInterrupted()) {
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                        node.control().onControl(r.topic(), r.partition(), r.offset(), r.key(), r.value());
                    }
                }
            } catch (RuntimeException e) {
                // stopping
            }
        }, "gateway-test-worker-control");
        t.setDaemon(true);
        t.start();
        return t;
    }

    static void publishModel(LocalInfrastructure infra) {
        ModelStore store = new ModelStore(infra.s3Client(), LocalInfrastructure.DEFAULT_BUCKET);
        store.ensureBucket();
        if (store.live(MODEL).isPresent()) {
            return;
        }
        try (NDManager manager = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(ARCHITECTURE, NoiseSchedule.IMAGES, manager, 1)) {
            CheckpointManifest meta = CheckpointManifest.of(MODEL, VERSION, ARCHITECTURE, NoiseSchedule.IMAGES,
                    CheckpointManifest.DataShape.of(ARCHITECTURE), 1200, true, Instant.now())
                    .withMetrics(Map.of("heldOutDsmLoss", 0.25));
            store.putVersion(meta, net.parameters(), Map.of());
        }
        store.setLive(new LivePointer(MODEL, VERSION, ModelStore.versionPrefix(MODEL, VERSION), 1200,
                Map.of("heldOutDsmLoss", 0.25), Instant.now()));
    }

    /** A live NCSNv2 model (a network that accepts any σ) on a schedule of its own, for what its choices cost. */
    static void publishNcsnV2Model(LocalInfrastructure infra, String model, NoiseSchedule schedule) {
        ModelStore store = new ModelStore(infra.s3Client(), LocalInfrastructure.DEFAULT_BUCKET);
        store.ensureBucket();
        if (store.live(model).isPresent()) {
            return;
        }
        Architecture arch = new Architecture(NcsnV2ScoreNetwork.FAMILY_NAME, "custom", 1, SIZE, 4, schedule.levels());
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel net = ScoreNetworks.create(arch, schedule, manager, 1)) {
            store.putVersion(CheckpointManifest.of(model, VERSION, arch, schedule, CheckpointManifest.DataShape.of(arch),
                    10, true, Instant.now()), net.parameters(), Map.of());
        }
        store.setLive(new LivePointer(model, VERSION, ModelStore.versionPrefix(model, VERSION), 10, Map.of(),
                Instant.now()));
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The worker's sinks: one idempotent producer, as the sampler service's emitters are configured, writing the
     * current trace context into each record's headers as they do.
     */
    static final class Sinks implements JobEventSink, DeadLetterSink, AutoCloseable {

        private final KafkaProducer<String, String> producer;
        private final SamplerSettings.TopicNames topics;
        private final io.opentelemetry.api.OpenTelemetry otel;

        Sinks(String bootstrap, SamplerSettings.TopicNames topics) {
            this(bootstrap, topics, io.opentelemetry.api.OpenTelemetry.noop());
        }

        Sinks(String bootstrap, SamplerSettings.TopicNames topics, io.opentelemetry.api.OpenTelemetry otel) {
            this.otel = otel;
            this.topics = topics;
            this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
                    ProducerConfig.LINGER_MS_CONFIG, "0",
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(TopicPlan.MAX_MESSAGE_BYTES)),
                    new StringSerializer(), new StringSerializer());
        }

        @Override
        public CompletionStage<Void> publish(JobEvent event) {
            return send(topics.frames(), event.jobId(), Contracts.encode(event));
        }

        @Override
        public CompletionStage<Void> publish(DeadLetter letter) {
            return send(topics.deadLetter(), letter.key(), Contracts.encode(letter));
        }

        private CompletionStage<Void> send(String topic, String key, String value) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            ProducerRecord<String, String> record = new ProducerRecord<>(topic, key, value);
            dev.ncsn.common.trace.KafkaTraceContext.inject(otel, io.opentelemetry.context.Context.current(),
                    record.headers());
            producer.send(record, (m, e) -> {
                if (e == null) {
                    done.complete(null);
                } else {
                    done.completeExceptionally(e);
                }
            });
            return done;
        }

        @Override
        public void close() {
            producer.close(Duration.ofSeconds(2));
        }
    }
}
