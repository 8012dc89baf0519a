package dev.ncsn.gateway;

import dev.ncsn.gateway.core.Job;
import dev.ncsn.gateway.core.JobRegistry;
import dev.ncsn.gateway.core.JobStatus;
import dev.ncsn.gateway.core.StreamEvent;
import dev.ncsn.gateway.kafka.EventFeed;
import dev.ncsn.gateway.config.GatewaySettings;
import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.SamplingParameters;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two gateway replicas' event feeds on real Kafka: each sees every job (request and events) whichever replica
 * submitted it, a replica started later catches up from its replay window, and a re-run's repeated events are
 * dropped by both.
 */
@ExtendWith(InfrastructureExtension.class)
class EventFeedTest {


    private static GatewaySettings.TopicNames topics(String prefix) {
        return new GatewaySettings.TopicNames(prefix + "ncsn.generation-requests", prefix + "ncsn.inpainting-requests",
                prefix + "ncsn.frames", prefix + "ncsn.control");
    }

    private static JobRegistry registry() {
        return new JobRegistry(new JobRegistry.Limits(1000, 1000, Long.MAX_VALUE, Duration.ofHours(1),
                Duration.ofHours(1)), Clock.systemUTC());
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 30 s: " + what);
            }
            TestBackend.sleep(20);
        }
    }

    @Test
    void everyReplicaSeesEveryJobAndALateReplicaCatchesUp(LocalInfrastructure infra) throws Exception {
        String prefix = "feed-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        GatewaySettings.TopicNames names = topics(prefix);
        infra.createTopic(names.generationRequests(), 3, Map.of());
        infra.createTopic(names.inpaintingRequests(), 3, Map.of());
        infra.createTopic(names.frames(), 3, Map.of());
        String bootstrap = infra.kafkaBootstrapServers();

        JobRegistry a = registry();
        List<AutoCloseable> feeds = new ArrayList<>();
        EventFeed feedA = new EventFeed(bootstrap, "replica-a", Map.of(), names, a, Duration.ofMinutes(5),
                Clock.systemUTC());
        feeds.add(feedA);
        feedA.start();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new StringSerializer())) {
            await(feedA::ready, "replica A reads the topics");
            String job = "job-" + UUID.randomUUID();
            producer.send(new ProducerRecord<>(names.generationRequests(), job, Contracts.encode(new GenerationRequest(
                    job, "m", new SamplingParameters(4, 1L, 2, null, 1, null, null), Instant.now())))).get();
            await(() -> a.get(job).isPresent(), "replica A learns of the queued job from the request topic");
            Job.Snapshot queued = a.get(job).orElseThrow().snapshot();
            assertEquals(JobStatus.QUEUED, queued.status());
            assertEquals("generation", queued.kind());
            assertEquals(names.generationRequests(), queued.requestTopic());
            assertTrue(queued.requestOffset() >= 0);

            // A worker dies after three frames; another runs the job again from the start.
            List<JobEvent> events = new ArrayList<>(JobRegistryTest.run(job, 3));
            events.addAll(JobRegistryTest.run(job, 21));
            for (JobEvent e : events) {
                producer.send(new ProducerRecord<>(names.frames(), job, Contracts.encode(e))).get();
            }
            await(() -> a.get(job).orElseThrow().status() == JobStatus.DONE, "replica A sees the job end");

            // A second replica, started afterwards, catches up from its replay window.
            JobRegistry b = registry();
            EventFeed feedB = new EventFeed(bootstrap, "replica-b", Map.of(), names, b, Duration.ofMinutes(5),
                    Clock.systemUTC());
            feeds.add(feedB);
            feedB.start();
            await(() -> b.get(job).map(j -> j.status() == JobStatus.DONE).orElse(false), "replica B catches up");
            for (JobRegistry r : List.of(a, b)) {
                List<StreamEvent> stream = new ArrayList<>();
                r.get(job).orElseThrow().subscribe(-1, stream::add);
                assertEquals(java.util.stream.LongStream.rangeClosed(0, 20).boxed().toList(),
                        stream.stream().map(StreamEvent::id).toList(), "one gapless stream, no repeats");
                assertEquals(queued.requestOffset(), r.get(job).orElseThrow().snapshot().requestOffset());
            }
            assertTrue(feedB.recordsRead() >= events.size() + 1);
        } finally {
            for (AutoCloseable f : feeds) {
                f.close();
            }
        }
    }
}
