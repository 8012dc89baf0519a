package dev.ncsn.sampler.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.JobEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static dev.ncsn.sampler.core.SamplerFixture.params;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Two workers of one pool (one JVM, separate consumers in one group). The worker running a job dies mid-job
 * without committing; the other takes over its partition and runs the job again from the start.
 */
@ExtendWith(InfrastructureExtension.class)
class WorkerFailoverTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    void aJobWhoseWorkerDiesMidJobIsCompletedByAnotherWorker(LocalInfrastructure infra) throws Exception {
        try (SamplerFixture fixture = new SamplerFixture(infra, 1)) {
            fixture.publish("v1", 1);
            SamplerFixture.TestNode a = fixture.node("worker-a");
            SamplerFixture.TestNode b = fixture.node("worker-b");
            SamplerFixture.awaitReady(a.node(), TIMEOUT);
            SamplerFixture.awaitReady(b.node(), TIMEOUT);
            // One partition per request topic and two workers: each owns one of them once the group settles.
            HotReloadTest.awaitTrue(() -> a.node().assignment().size() == 1 && b.node().assignment().size() == 1,
                    "each worker owns one request partition");

            // Whoever runs the job holds it at its third frame until the test has stopped it.
            AtomicReference<SamplerFixture.TestNode> owner = new AtomicReference<>();
            CountDownLatch midJob = new CountDownLatch(1);
            CountDownLatch crashing = new CountDownLatch(1);
            for (SamplerFixture.TestNode node : List.of(a, b)) {
                node.sinks().hook(e -> {
                    if (e instanceof JobEvent.Frame f && f.jobId().equals("survivor") && f.sequence() == 2
                            && owner.compareAndSet(null, node)) {
                        midJob.countDown();
                        try {
                            crashing.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException ie) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
            }
            fixture.generate("survivor", params(2, 77, 4, 1));
            assertTrue(midJob.await(60, TimeUnit.SECONDS), "the job started");
            SamplerFixture.TestNode dying = owner.get();
            SamplerFixture.TestNode other = dying == a ? b : a;
            assertEquals(List.of(fixture.topics.generationRequests() + "-0"),
                    List.copyOf(dying.node().assignment()));

            crashing.countDown();
            dying.node().crash();
            assertEquals(0, committed(fixture, fixture.topics.generationRequests()),
                    "the dead worker committed nothing for the unfinished job");

            List<JobEvent> events = fixture.awaitTerminal("survivor", TIMEOUT);
            JobEvent.Done done = assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1));
            assertEquals(40, done.sequence(), "a frame per step (4 × 10), then done");
            HotReloadTest.awaitTrue(() -> {
                try {
                    return committed(fixture, fixture.topics.generationRequests()) == 1;
                } catch (Exception e) {
                    return false;
                }
            }, "the surviving worker committed the job");
            assertTrue(other.node().assignment().contains(fixture.topics.generationRequests() + "-0"));

            // The stream has the dead worker's first frames, then the re-run from sequence 0. Consumers drop
            // duplicates by (job id, sequence): what remains is one complete, ordered stream, and the re-run's
            // repeated frames are identical to the first run's (same seed, same version).
            Map<Long, JobEvent> bySequence = new LinkedHashMap<>();
            int duplicates = 0;
            for (JobEvent e : events) {
                JobEvent first = bySequence.putIfAbsent(e.sequence(), e);
                if (first != null) {
                    duplicates++;
                    assertEquals(((JobEvent.Frame) first).image(), ((JobEvent.Frame) e).image());
                }
            }
            assertTrue(duplicates >= 3, "the re-run repeated the frames the dead worker had sent: " + duplicates);
            assertEquals(new ArrayList<>(bySequence.keySet()),
                    java.util.stream.LongStream.rangeClosed(0, 40).boxed().toList());
        }
    }

    private static long committed(SamplerFixture fixture, String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                fixture.infra.kafkaBootstrapServers()))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets("sampler-" + fixture.id)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).get(new TopicPartition(topic, 0));
            return offset == null ? 0 : offset.offset();
        }
    }
}
