package dev.ncsn.sampler.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.infra.TcpProxy;
import dev.ncsn.model.contract.CancelRequest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.sampler.core.SamplerProcessFaultTest.WorkerProcess;
import dev.ncsn.sampler.core.SamplerProcessFaultTest.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static dev.ncsn.sampler.core.SamplerFixture.params;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The fault suite's infrastructure cases, workers as separate JVM processes ({@link SamplerProcessMain}) as in
 * {@link SamplerProcessFaultTest}: the Kafka broker restarts mid-job (a broker of the test's own, stopped cleanly and
 * started again on the same port and log directory), and the S3 store is unreachable for a while (a {@link TcpProxy}
 * between the worker and the store is cut) during snapshot writes and a hot reload. Each prints its figures as one
 * {@code FAULT {...}} line.
 */
@ExtendWith(InfrastructureExtension.class)
class InfrastructureFaultTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int JOBS = 2;
    private static final int STEPS_PER_LEVEL = 12; // 120 steps, a frame each: done is event 121
    private static final Duration BROKER_DOWN = Duration.ofSeconds(3);
    /** Several snapshot intervals (1 s) of the worker's: every running job's writes fail meanwhile. */
    private static final Duration STORE_DOWN = Duration.ofSeconds(4);

    @Test
    void aBrokerRestartMidJobEndsEveryJobDoneWithTheSameResults(@TempDir Path data) throws Exception {
        try (LocalInfrastructure infra = LocalInfrastructure.startEmbedded(data);
             SamplerFixture fixture = new SamplerFixture(infra, 1); Workers workers = new Workers(fixture)) {
            fixture.publish("v1", 1);
            WorkerProcess worker = workers.start("broker-a");
            worker.awaitReady();
            List<String> jobs = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                jobs.add("broker-job-" + i);
                fixture.generate(jobs.get(i), params(2, 600 + i, STEPS_PER_LEVEL, 1));
            }
            HotReloadTest.awaitTrue(() -> jobs.stream().allMatch(j -> SamplerProcessFaultTest.progress(fixture, j) >= 30
                    && fixture.store.exists(S3SnapshotStore.key(j))), "every job past step 30 with a snapshot");
            assertTrue(jobs.stream().allMatch(j -> SamplerProcessFaultTest.progress(fixture, j) < 10 * STEPS_PER_LEVEL),
                    "still running");

            long stop = System.nanoTime();
            infra.stopKafka();
            long stopped = System.nanoTime();
            Thread.sleep(BROKER_DOWN.toMillis());
            infra.startKafka();
            long back = System.nanoTime();
            Instant backAt = Instant.now();

            long repeated = 0;
            double firstEventAfterBack = 0;
            for (String job : jobs) {
                List<JobEvent> events = fixture.awaitTerminal(job, TIMEOUT);
                Map<Long, JobEvent> stream = JobResumeTest.deduplicated(events);
                assertEquals(LongStream.rangeClosed(0, 10L * STEPS_PER_LEVEL + 1).boxed().toList(),
                        new ArrayList<>(stream.keySet()), job + ": one ordered stream, one terminal event");
                assertInstanceOf(JobEvent.Done.class, stream.get(10L * STEPS_PER_LEVEL + 1), job + " ends done");
                repeated += events.size() - stream.size();
                for (JobEvent e : events) {
                    if (!e.at().isBefore(backAt)) {
                        firstEventAfterBack = Math.max(firstEventAfterBack,
                                Duration.between(backAt, e.at()).toMillis() / 1000.0);
                        break;
                    }
                }
            }
            assertTrue(worker.process.isAlive(), "the worker rode the restart out");
            assertFalse(worker.output().contains("BROKEN"), "and stayed live:\n" + worker.output());
            for (int i = 0; i < JOBS; i++) {
                fixture.generate(jobs.get(i) + "-reference", params(2, 600 + i, STEPS_PER_LEVEL, 1));
            }
            for (String job : jobs) {
                assertEquals(done(fixture, job + "-reference").images(), done(fixture, job).images(),
                        job + ": byte-identical to a run without the fault");
            }
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("case", "broker restart");
            figures.put("brokerStopSeconds", (stopped - stop) / 1e9);
            figures.put("brokerDownSeconds", (back - stopped) / 1e9);
            figures.put("jobsDone", jobs.size());
            figures.put("eventsRepeated", repeated);
            figures.put("firstEventAfterBackSeconds", firstEventAfterBack);
            System.out.println("FAULT " + Contracts.encode(figures));
        }
    }

    @Test
    void theStoreUnreachableDuringSnapshotWritesAndAReloadIsRetriedUntilItAnswers(LocalInfrastructure infra)
            throws Exception {
        try (SamplerFixture fixture = new SamplerFixture(infra, 1);
             TcpProxy s3 = TcpProxy.forEndpoint(infra.s3Endpoint()); Workers workers = new Workers(fixture)) {
            fixture.publish("v1", 1);
            WorkerProcess worker = workers.start("store-a", s3.endpoint());
            worker.awaitReady();
            // Long enough to run through the outage on any machine; cancelled once the checks are done.
            String running = "store-long";
            fixture.generate(running, params(1, 700, 500, 10));
            HotReloadTest.awaitTrue(() -> SamplerProcessFaultTest.progress(fixture, running) >= 20
                    && fixture.store.exists(S3SnapshotStore.key(running)), "the job past step 20 with a snapshot");
            S3SnapshotStore snapshots = new S3SnapshotStore(fixture.store);

            s3.cut();
            long cut = System.nanoTime();
            int atCut = SamplerProcessFaultTest.progress(fixture, running);
            // Meanwhile the trainer publishes v2 and announces it: the worker cannot read the pointer nor load v2.
            TestModels.putVersion(fixture.store, fixture.model, "v2", 2);
            TestModels.setLive(fixture.store, fixture.model, "v2");
            fixture.send(fixture.topics.modelUpdates(), fixture.model, Contracts.encode(new ModelUpdate(fixture.model,
                    "v2", ModelStore.versionPrefix(fixture.model, "v2"), 2, Map.of(), Instant.now())));
            // A new job is served meanwhile (its snapshot cannot be looked up: it starts at step 0, as it must).
            fixture.generate("store-during", params(1, 701, 2, 1));
            JobEvent.Done during = done(fixture, "store-during");
            assertEquals("v1", during.modelVersion(), "served on the version it had");
            long left = STORE_DOWN.toNanos() - (System.nanoTime() - cut);
            if (left > 0) {
                Thread.sleep(TimeUnit.NANOSECONDS.toMillis(left));
            }
            int atRestore = SamplerProcessFaultTest.progress(fixture, running);
            assertTrue(atRestore > atCut, "sampling went on without the store: step " + atCut + " → " + atRestore);
            assertTrue(worker.process.isAlive());
            s3.restore();
            long restored = System.nanoTime();

            // Recovery: v2 is loaded by the reloader's retries, without another event; snapshots are written again.
            worker.awaitLine("SERVING {\"" + fixture.model + "\":\"v2\"}", TIMEOUT);
            double reloadedAfter = (System.nanoTime() - restored) / 1e9;
            HotReloadTest.awaitTrue(() -> snapshots.read(running).map(s -> s.chain().completedEvaluations())
                    .orElse(0) > atRestore, "a snapshot taken after the store came back");
            double snapshotAfter = (System.nanoTime() - restored) / 1e9;
            fixture.generate("store-after", params(1, 702, 2, 1));
            assertEquals("v2", done(fixture, "store-after").modelVersion(), "new jobs get the reloaded version");

            fixture.send(fixture.topics.control(), running, Contracts.encode(new CancelRequest(running, Instant.now())));
            List<JobEvent> events = fixture.awaitTerminal(running, TIMEOUT);
            assertInstanceOf(JobEvent.Cancelled.class, events.get(events.size() - 1));
            assertEquals(LongStream.range(0, events.size()).boxed().toList(),
                    events.stream().map(JobEvent::sequence).toList(),
                    "the running job never stopped nor restarted: every event once, in order");
            assertTrue(events.stream().filter(e -> e instanceof JobEvent.Frame).allMatch(e ->
                    "v1".equals(((JobEvent.Frame) e).modelVersion())), "it stayed on its version");

            worker.process.destroy();
            assertTrue(worker.process.waitFor(60, TimeUnit.SECONDS));
            assertFalse(worker.output().contains("BROKEN"), "nothing broke:\n" + worker.output());
            Map<?, ?> metrics = worker.metrics();
            assertTrue(((Number) metrics.get("snapshotFailures")).doubleValue() >= 1,
                    "the outage did hit snapshot writes: " + metrics);
            assertEquals(0.0, ((Number) metrics.get("reloadFailures")).doubleValue(),
                    "no version was rejected for the store's outage");
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("case", "S3 unreachable");
            figures.put("storeDownSeconds", (restored - cut) / 1e9);
            figures.put("reloadedSecondsAfterRestore", reloadedAfter);
            figures.put("snapshotSecondsAfterRestore", snapshotAfter);
            figures.put("snapshotFailures", metrics.get("snapshotFailures"));
            figures.put("snapshots", metrics.get("snapshots"));
            System.out.println("FAULT " + Contracts.encode(figures));
        }
    }

    private static JobEvent.Done done(SamplerFixture fixture, String job) {
        List<JobEvent> events = fixture.awaitTerminal(job, TIMEOUT);
        return assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1), job + " ends done");
    }
}
