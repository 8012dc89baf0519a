package dev.ncsn.sampler.core;

import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.metrics.SamplerMetrics;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.net.NcsnScoreNetwork;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.ncsn.sampler.core.SamplerFixture.params;
import static org.junit.jupiter.api.Assertions.*;

/** The sampling worker and the model slots on their own: no Kafka, no S3, events into a list. */
class SamplingWorkerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private final List<JobEvent> events = new CopyOnWriteArrayList<>();
    private final Map<String, SamplingWorker.Outcome> finished = new ConcurrentHashMap<>();

    @Test
    void jobsShareForwardPassesAndLeaveNoNativeMemoryBehind() {
        ServedModel v1 = load("v1", 1);
        LiveModel slot = new LiveModel("m");
        slot.install(v1);
        int parameters = v1.network().parameters().size();
        SamplerMetrics metrics = new SamplerMetrics(new SimpleMeterRegistry());
        SamplingWorker worker = new SamplingWorker(settings(), sink(), new RecentCancels(10), metrics);
        worker.start();
        try {
            for (String id : List.of("a", "b", "c")) {
                submit(worker, slot, id, 3);
            }
            assertEquals(3, worker.inFlight());
            awaitFinished("a", "b", "c");
            assertEquals(90, metrics.langevinSteps(), 1e-9);
            assertTrue(metrics.forwardPasses() < 90, "shared passes: " + metrics.forwardPasses());
            HotReloadTest.awaitTrue(() -> worker.inFlight() == 0, "nothing in flight");
            assertEquals(1, v1.references(), "only the slot holds the version");
            assertEquals(parameters, v1.manager().getManagedArrays().size(),
                    "no array outlives its job: the version's manager holds only the parameters");
        } finally {
            worker.close();
            slot.close();
        }
        assertTrue(v1.isClosed());
    }

    @Test
    void aReplacedVersionStaysOpenUntilItsLastJobEnds() {
        ServedModel v1 = load("v1", 1);
        ServedModel v2 = load("v2", 2);
        LiveModel slot = new LiveModel("m");
        slot.install(v1);
        ServedModel.Lease running = slot.lease().orElseThrow();
        assertSame(v1, slot.install(v2));
        assertFalse(v1.isClosed(), "a job still holds v1");
        ServedModel.Lease next = slot.lease().orElseThrow();
        assertSame(v2, next.model(), "new jobs get v2");
        running.close();
        running.close(); // idempotent
        assertTrue(v1.isClosed(), "the last job on v1 ended");
        assertThrows(IllegalStateException.class, () -> v1.network().parameterValues());
        next.close();
        slot.close();
        assertTrue(v2.isClosed());
        assertTrue(slot.lease().isEmpty());
    }

    @Test
    void aRunningJobIsSnapshottedEveryIntervalAndItsSnapshotRemovedWhenItEnds() {
        ServedModel v1 = load("v1", 1);
        LiveModel slot = new LiveModel("m");
        slot.install(v1);
        Map<String, JobSnapshot> stored = new ConcurrentHashMap<>();
        List<String> log = new CopyOnWriteArrayList<>();
        SnapshotStore store = new SnapshotStore() {
            @Override
            public long write(JobSnapshot snapshot) {
                stored.put(snapshot.jobId(), snapshot);
                log.add("write " + snapshot.chain().completedEvaluations());
                return 1;
            }

            @Override
            public java.util.Optional<JobSnapshot> read(String jobId) {
                return java.util.Optional.ofNullable(stored.get(jobId));
            }

            @Override
            public void remove(String jobId) {
                stored.remove(jobId);
                log.add("remove");
            }
        };
        SamplerMetrics metrics = new SamplerMetrics(new SimpleMeterRegistry());
        SnapshotWriter writer = new SnapshotWriter(store, metrics, "test-snapshots");
        SamplingWorker worker = new SamplingWorker(settings().withSnapshotInterval(Duration.ofMillis(1)), sink(),
                new RecentCancels(10), metrics, writer);
        worker.start();
        try {
            submit(worker, slot, "s", 5);
            awaitFinished("s");
            assertTrue(writer.flush(TIMEOUT));
            assertTrue(log.size() >= 2 && log.get(0).startsWith("write "), "snapshots while running: " + log);
            assertEquals("remove", log.get(log.size() - 1), "removed after the terminal event: " + log);
            assertTrue(stored.isEmpty());
            assertTrue(metrics.snapshotsWritten() >= 1);
        } finally {
            worker.close();
            writer.close();
            slot.close();
        }
    }

    @Test
    void aSnapshotStoreThatIsDownDoesNotStopSampling() {
        ServedModel v1 = load("v1", 1);
        LiveModel slot = new LiveModel("m");
        slot.install(v1);
        SnapshotStore down = new SnapshotStore() {
            @Override
            public long write(JobSnapshot snapshot) {
                throw new IllegalStateException("S3 is unreachable");
            }

            @Override
            public java.util.Optional<JobSnapshot> read(String jobId) {
                throw new IllegalStateException("S3 is unreachable");
            }

            @Override
            public void remove(String jobId) {
                throw new IllegalStateException("S3 is unreachable");
            }
        };
        SamplerMetrics metrics = new SamplerMetrics(new SimpleMeterRegistry());
        SnapshotWriter writer = new SnapshotWriter(down, metrics, "test-snapshots-down");
        SamplingWorker worker = new SamplingWorker(settings().withSnapshotInterval(Duration.ofMillis(1)), sink(),
                new RecentCancels(10), metrics, writer);
        worker.start();
        try {
            submit(worker, slot, "d", 5);
            awaitFinished("d");
            assertTrue(writer.flush(TIMEOUT));
            assertTrue(metrics.snapshotFailures() >= 1, "the failed writes are counted");
            assertNull(worker.broken(), "the worker keeps serving");
        } finally {
            worker.close();
            writer.close();
            slot.close();
        }
    }

    @Test
    void jobsAreAdmittedUpToThePerPassBudgetOfTheServedVersions() {
        ServedModel a = load("v1", 1, 8);
        ServedModel b = load("v1", 2, 4);
        ServedModels models = new ServedModels(List.of("m", "n"));
        assertEquals(0, models.sampleBudget(), "nothing loaded yet");
        models.slot("m").orElseThrow().install(a);
        assertEquals(8, models.sampleBudget());
        models.slot("n").orElseThrow().install(b);
        assertEquals(4, models.sampleBudget(), "passes of both run on one device: the tighter budget bounds them");

        LiveModel slot = models.slot("m").orElseThrow();
        SamplerMetrics metrics = new SamplerMetrics(new SimpleMeterRegistry());
        SamplingWorker worker = new SamplingWorker(settings(), sink(), new RecentCancels(10), metrics, null,
                models::sampleBudget);
        try {
            assertTrue(worker.hasRoomFor(100), "an idle worker takes any job: one above the budget runs alone");
            submit(worker, slot, "a", 2); // two images each; the thread has not started, so they stay admitted
            assertTrue(worker.hasRoomFor(2));
            submit(worker, slot, "b", 2);
            assertFalse(worker.hasRoomFor(1), "4 images admitted: the pass is full");
            models.slot("n").orElseThrow().install(load("v2", 3, 16));
            assertTrue(worker.hasRoomFor(4), "the budget follows the live versions (8 now)");
            assertFalse(worker.hasRoomFor(5));
            worker.start();
            awaitFinished("a", "b");
        } finally {
            worker.close();
            models.close();
        }
    }

    @Test
    void passesSplitOverLanesGiveTheSameImagesAsOneLaneAndLeaveNoArrayBehind() {
        Map<String, String> oneLane = runThreeJobsTogether(dev.ncsn.model.sampling.PassLanes.single());
        events.clear();
        finished.clear();
        try (dev.ncsn.model.sampling.PassLanes two = dev.ncsn.model.sampling.PassLanes.of(2)) {
            Map<String, String> twoLanes = runThreeJobsTogether(two);
            assertTrue(two.helperCpuNanos() > 0, "the second lane ran parts of the passes");
            assertEquals(oneLane, twoLanes, "a job's samples do not depend on how its pass is split");
        }
    }

    /** Three 2-image jobs admitted before the thread starts, so that every pass holds all 6 images. */
    private Map<String, String> runThreeJobsTogether(dev.ncsn.model.sampling.PassLanes lanes) {
        NDManager manager = NDManager.newBaseManager();
        NcsnScoreNetwork net = NcsnScoreNetwork.create(TestModels.TINY, TestModels.SCHEDULE, manager, 1);
        CheckpointManifest manifest = CheckpointManifest.of("m", "v1", TestModels.TINY, TestModels.SCHEDULE,
                CheckpointManifest.DataShape.of(TestModels.TINY), 1, true, Instant.now());
        ServedModel v1 = new ServedModel(manifest, manager, net, SamplerSettings.DEFAULT_BATCH_BUDGET, lanes);
        LiveModel slot = new LiveModel("m");
        slot.install(v1);
        int parameters = v1.network().parameters().size();
        SamplerMetrics metrics = new SamplerMetrics(new SimpleMeterRegistry());
        SamplingWorker worker = new SamplingWorker(settings(), sink(), new RecentCancels(10), metrics);
        try {
            for (String id : List.of("a", "b", "c")) {
                submit(worker, slot, id, 4);
            }
            worker.start();
            awaitFinished("a", "b", "c");
            assertEquals(40, metrics.forwardPasses(), 1e-9, "one pass a step for all three jobs");
            HotReloadTest.awaitTrue(() -> worker.inFlight() == 0, "nothing in flight");
            assertEquals(parameters, v1.manager().getManagedArrays().size(), "no array outlives its pass");
        } finally {
            worker.close();
            slot.close();
        }
        return doneGrids();
    }

    /** Each job's final grid (a PNG), by job id. */
    private Map<String, String> doneGrids() {
        Map<String, String> grids = new java.util.TreeMap<>();
        for (JobEvent e : events) {
            if (e instanceof JobEvent.Done done) {
                grids.put(done.jobId(), done.image() + done.images());
            }
        }
        return grids;
    }

    @Test
    void recentCancelsForgetTheOldestFirst() {
        RecentCancels cancels = new RecentCancels(2);
        cancels.add("a");
        cancels.add("b");
        cancels.add("c");
        assertFalse(cancels.contains("a"));
        assertTrue(cancels.contains("b") && cancels.contains("c"));
    }

    private SamplerSettings settings() {
        return SamplerSettings.defaults("unused:9092", "g", "unit", SamplerSettings.TopicNames.defaults(),
                List.of("m"));
    }

    private JobEventSink sink() {
        return e -> {
            events.add(e);
            return CompletableFuture.completedFuture(null);
        };
    }

    private void submit(SamplingWorker worker, LiveModel slot, String id, int steps) {
        JobRequest request = new JobRequest(id, "m", params(2, id.hashCode(), steps, steps), null, null,
                new JobRequest.RecordPosition("t", 0, id.charAt(0)), id, "{}");
        ServedModel.Lease lease = slot.lease().orElseThrow();
        worker.submit(request, lease, request.prepare(lease.model()), (r, outcome) -> finished.put(r.jobId(), outcome));
    }

    private void awaitFinished(String... ids) {
        HotReloadTest.awaitTrue(() -> List.of(ids).stream().allMatch(finished::containsKey), "jobs finish");
        for (String id : ids) {
            assertEquals(SamplingWorker.Outcome.DONE, finished.get(id));
            assertTrue(events.stream().anyMatch(e -> e.jobId().equals(id) && e instanceof JobEvent.Done));
        }
    }

    private static ServedModel load(String version, long seed) {
        return load(version, seed, SamplerSettings.DEFAULT_BATCH_BUDGET);
    }

    private static ServedModel load(String version, long seed, int passBudget) {
        NDManager manager = NDManager.newBaseManager();
        NcsnScoreNetwork net = NcsnScoreNetwork.create(TestModels.TINY, TestModels.SCHEDULE, manager, seed);
        CheckpointManifest manifest = CheckpointManifest.of("m", version, TestModels.TINY, TestModels.SCHEDULE,
                CheckpointManifest.DataShape.of(TestModels.TINY), seed, true, Instant.now());
        return new ServedModel(manifest, manager, net, passBudget);
    }
}
