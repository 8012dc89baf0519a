package dev.ncsn.sampler.core;

import dev.ncsn.sampler.config.BatchSettings;
import dev.ncsn.sampler.config.SamplerSettings;

import dev.ncsn.common.kafka.TopicCreator;
import dev.ncsn.infra.TopicReader;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.InpaintingRequest;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.contract.TopicPlan;
import dev.ncsn.model.store.ModelStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;

/**
 * One test's sampler world on the shared real Kafka and S3: its own topics (prefixed), consumer group, model
 * name, readers of the frames and dead-letter topics, and any number of {@link SamplerNode}s.
 */
public final class SamplerFixture implements AutoCloseable {

    static final String BUCKET = "sampler-test";

    final LocalInfrastructure infra;
    final String id;
    final SamplerSettings.TopicNames topics;
    final ModelStore store;
    final String model;
    final TopicReader frames;
    final TopicReader deadLetters;
    private final KafkaProducer<String, String> producer;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    SamplerFixture(LocalInfrastructure infra, int partitions) {
        this.infra = infra;
        this.id = "t" + UUID.randomUUID().toString().substring(0, 8);
        this.topics = SamplerSettings.TopicNames.prefixed(id + ".");
        TopicCreator.createMissing(infra.kafkaBootstrapServers(),
                TopicPlan.standard(topics.toPlanNames(), partitions, Duration.ofHours(1)), (short) 1);
        infra.createBucket(BUCKET);
        this.store = new ModelStore(infra.s3Client(), BUCKET);
        this.model = "model-" + id;
        this.frames = new TopicReader(infra.kafkaBootstrapServers(), topics.frames());
        this.deadLetters = new TopicReader(infra.kafkaBootstrapServers(), topics.deadLetter());
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(), new StringSerializer());
    }

    /** Publishes a tiny model version and makes it live. */
    void publish(String version, long seed) {
        TestModels.putVersion(store, model, version, seed);
        TestModels.setLive(store, model, version);
    }

    SamplerSettings settings(String instance) {
        return SamplerSettings.defaults(infra.kafkaBootstrapServers(), "sampler-" + id, instance, topics,
                        List.of(model))
                .withReconcileInterval(Duration.ofSeconds(30))
                .withShutdownGrace(Duration.ofSeconds(5))
                // A fixed budget: tests that do not look at the measurement skip its seconds at every load.
                .withBatch(BatchSettings.fixed(SamplerSettings.DEFAULT_BATCH_BUDGET));
    }

    /** A node with plain-producer sinks, its own metrics registry, the CPU; started and awaited ready. */
    TestNode node(String instance, UnaryOperator<SamplerSettings> tweak) {
        SamplerSettings s = tweak.apply(settings(instance));
        s = new SamplerSettings(s.bootstrapServers(), s.groupId(), s.instanceId(), s.topics(), s.models(),
                s.maxInFlightJobs(), s.batch(), s.recentCancels(), s.reconcileInterval(), "cpu",
                s.pollTimeout(), s.shutdownGrace(), Map.of("heartbeat.interval.ms", "500"), s.snapshotInterval());
        ProducerSinks sinks = new ProducerSinks(infra.kafkaBootstrapServers(), topics);
        SamplerNode node = new SamplerNode(s, store, sinks, sinks, new SimpleMeterRegistry());
        toClose.add(sinks);
        toClose.add(node);
        node.start();
        return new TestNode(node, sinks);
    }

    TestNode node(String instance) {
        return node(instance, s -> s);
    }

    static void awaitReady(SamplerNode node, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!node.ready()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("node " + node.settings().instanceId() + " not ready within " + timeout
                        + "; versions " + node.versions() + ", broken: " + node.broken());
            }
            TopicReader.sleep(20);
        }
    }

    public static SamplingParameters params(int count, long seed, int stepsPerLevel, int frameEvery) {
        return new SamplingParameters(count, seed, stepsPerLevel, null, frameEvery, null, null);
    }

    void generate(String jobId, SamplingParameters p) {
        send(topics.generationRequests(), jobId,
                Contracts.encode(new GenerationRequest(jobId, null, p, Instant.now())));
    }

    void inpaint(String jobId, SamplingParameters p, String image, String mask) {
        send(topics.inpaintingRequests(), jobId,
                Contracts.encode(new InpaintingRequest(jobId, null, p, image, mask, Instant.now())));
    }

    void send(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    /** The job's events as they are on the frames topic, in topic order. */
    List<JobEvent> events(String jobId) {
        List<JobEvent> events = new ArrayList<>();
        for (ConsumerRecord<String, String> r : frames.records()) {
            if (jobId.equals(r.key())) {
                events.add(Contracts.decode(r.value(), JobEvent.class));
            }
        }
        return events;
    }

    /** Waits for the job's first terminal event and returns the job's events up to and including it. */
    List<JobEvent> awaitTerminal(String jobId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<JobEvent> events = events(jobId);
            for (int i = 0; i < events.size(); i++) {
                if (events.get(i).terminal()) {
                    return events.subList(0, i + 1);
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + jobId + " has no terminal event within " + timeout + "; events: "
                        + events.stream().map(e -> e.getClass().getSimpleName() + "#" + e.sequence()).toList());
            }
            TopicReader.sleep(20);
        }
    }

    @Override
    public void close() {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            try {
                toClose.get(i).close();
            } catch (Exception e) {
                // best effort
            }
        }
        frames.close();
        deadLetters.close();
        producer.close();
    }

    /** A node and its sinks. */
    record TestNode(SamplerNode node, ProducerSinks sinks) {
    }
}
