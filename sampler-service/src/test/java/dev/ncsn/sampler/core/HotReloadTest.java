package dev.ncsn.sampler.core;

import dev.ncsn.infra.TopicReader;
import ai.djl.ndarray.NDManager;
import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.sampler.config.BatchSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.ncsn.sampler.core.SamplerFixture.params;
import static org.junit.jupiter.api.Assertions.*;

/** Model versions change under a running worker: new ones are loaded in the background, broken ones refused. */
@ExtendWith(InfrastructureExtension.class)
public class HotReloadTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private SamplerFixture fixture;

    @BeforeEach
    void setUp(LocalInfrastructure infra) {
        fixture = new SamplerFixture(infra, 1);
        fixture.publish("v1", 1);
    }

    @AfterEach
    void tearDown() {
        fixture.close();
    }

    @Test
    void jobsAfterAnUpdateUseTheNewVersionWhileARunningJobFinishesOnTheOld() throws Exception {
        SamplerFixture.TestNode worker = fixture.node("w1");
        SamplerFixture.awaitReady(worker.node(), TIMEOUT);
        ServedModel v1 = worker.node().models().slot(fixture.model).orElseThrow().peek().orElseThrow();

        // Hold the running job at its first frame (on the sampling thread) until the new version is live.
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch swapped = new CountDownLatch(1);
        worker.sinks().hook(e -> {
            if (e instanceof JobEvent.Frame f && f.jobId().equals("before") && f.sequence() == 1) {
                running.countDown();
                await(swapped);
            }
        });
        fixture.generate("before", params(2, 21, 3, 3));
        assertTrue(running.await(60, TimeUnit.SECONDS));

        TestModels.putVersion(fixture.store, fixture.model, "v2", 2);
        TestModels.setLive(fixture.store, fixture.model, "v2");
        worker.node().control().onModelUpdate(fixture.topics.modelUpdates(), 0, 0, fixture.model,
                Contracts.encode(new ModelUpdate(fixture.model, "v2", ModelStore.versionPrefix(fixture.model, "v2"),
                        2, Map.of(), Instant.now())));
        awaitVersion(worker.node(), "v2");
        assertFalse(v1.isClosed(), "the running job still holds v1");
        assertEquals(1, v1.references(), "only the running job holds v1 now");
        swapped.countDown();

        fixture.generate("after", params(2, 21, 3, 3));
        List<JobEvent> before = fixture.awaitTerminal("before", TIMEOUT);
        List<JobEvent> after = fixture.awaitTerminal("after", TIMEOUT);
        assertEquals(List.of("v1"), versions(before), "the running job finished on the version it started with");
        assertEquals(List.of("v2"), versions(after), "jobs after the update use the new version");
        assertNotEquals(((JobEvent.Done) before.get(before.size() - 1)).images(),
                ((JobEvent.Done) after.get(after.size() - 1)).images(), "same seed, other weights");
        awaitTrue(v1::isClosed, "v1 is closed once its last job has ended");
        assertEquals(1, worker.node().metrics().registry().find("ncsn.sampler.model.info")
                .tag("version", "v2").gauges().size());
    }

    @Test
    void aCorruptedOrMismatchedCheckpointIsRejectedReportedAndTheOldVersionKeepsServing() throws Exception {
        SamplerFixture.TestNode worker = fixture.node("w1");
        SamplerFixture.awaitReady(worker.node(), TIMEOUT);
        ModelReloader reloader = worker.node().reloader();

        TestModels.putVersion(fixture.store, fixture.model, "v2-corrupt", 2);
        TestModels.corrupt(fixture.store, fixture.model, "v2-corrupt");
        TestModels.setLive(fixture.store, fixture.model, "v2-corrupt");
        ModelReloader.Result corrupt = reloader.onUpdate(update("v2-corrupt")).get(60, TimeUnit.SECONDS);
        assertEquals(ModelReloader.Status.REJECTED, corrupt.status());
        assertTrue(corrupt.detail().contains("checksum"), corrupt.detail());
        assertEquals("v1", worker.node().versions().get(fixture.model));
        assertEquals("v2-corrupt", reloader.lastFailure().version());
        assertEquals(1, worker.node().metrics().reloadFailures(fixture.model), 1e-9);
        assertTrue(worker.node().ready(), "a rejected version does not make the worker unready");
        // The periodic reconcile does not retry a version it has refused.
        assertEquals(ModelReloader.Status.SKIPPED_REJECTED,
                reloader.reconcileNow(fixture.model).get(60, TimeUnit.SECONDS).status());

        Architecture wider = new Architecture("custom", 1, 8, 6, 10);
        TestModels.putVersion(fixture.store, fixture.model, "v3-mismatched", TestModels.TINY, wider, 3);
        TestModels.setLive(fixture.store, fixture.model, "v3-mismatched");
        ModelReloader.Result mismatched = reloader.onUpdate(update("v3-mismatched")).get(60, TimeUnit.SECONDS);
        assertEquals(ModelReloader.Status.REJECTED, mismatched.status());
        assertTrue(mismatched.detail().contains("shape"), mismatched.detail());

        putVersionWithNaN("v4-nan");
        TestModels.setLive(fixture.store, fixture.model, "v4-nan");
        ModelReloader.Result nan = reloader.onUpdate(update("v4-nan")).get(60, TimeUnit.SECONDS);
        assertEquals(ModelReloader.Status.REJECTED, nan.status());
        assertTrue(nan.detail().contains("non-finite"), nan.detail());

        // What a trainer killed while publishing leaves: parameters and extras, no manifest (written last). Even a
        // pointer forged to name it (the trainer writes the pointer only after the manifest) loads nothing.
        TestModels.putVersion(fixture.store, fixture.model, "v4-half", 4);
        fixture.store.remove(ModelStore.versionPrefix(fixture.model, "v4-half")
                + dev.ncsn.model.checkpoint.Checkpoint.MANIFEST_FILE);
        fixture.store.put(ModelStore.pointerKey(fixture.model), Contracts.encode(new dev.ncsn.model.store.LivePointer(
                fixture.model, "v4-half", ModelStore.versionPrefix(fixture.model, "v4-half"), 4, Map.of(),
                Instant.now())).getBytes(java.nio.charset.StandardCharsets.UTF_8), "application/json");
        ModelReloader.Result half = reloader.onUpdate(update("v4-half")).get(60, TimeUnit.SECONDS);
        assertEquals(ModelReloader.Status.REJECTED, half.status());
        assertTrue(half.detail().contains("does not exist (no manifest)"), half.detail());
        assertEquals(4, worker.node().metrics().reloadFailures(fixture.model), 1e-9);

        fixture.generate("still-served", params(1, 4, 2, 2));
        List<JobEvent> events = fixture.awaitTerminal("still-served", TIMEOUT);
        assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1));
        assertEquals(List.of("v1"), versions(events), "service continues on the old version");

        TestModels.putVersion(fixture.store, fixture.model, "v5", 5);
        TestModels.setLive(fixture.store, fixture.model, "v5");
        assertEquals(ModelReloader.Status.LOADED,
                reloader.onUpdate(update("v5")).get(60, TimeUnit.SECONDS).status());
        fixture.generate("on-v5", params(1, 4, 2, 2));
        assertEquals(List.of("v5"), versions(fixture.awaitTerminal("on-v5", TIMEOUT)));
    }

    @Test
    void aPointerChangeWithoutAnEventIsPickedUpByThePeriodicReconcile() {
        SamplerFixture.TestNode worker = fixture.node("w1", s -> s.withReconcileInterval(Duration.ofMillis(300)));
        SamplerFixture.awaitReady(worker.node(), TIMEOUT);
        TestModels.putVersion(fixture.store, fixture.model, "v2", 2);
        TestModels.setLive(fixture.store, fixture.model, "v2");
        awaitVersion(worker.node(), "v2");
    }

    @Test
    void thePerPassBudgetIsMeasuredOnceForEachShapeOfNetworkAndExposed() throws Exception {
        SamplerFixture.TestNode worker = fixture.node("w1", s -> s.withBatch(BatchSettings.auto()
                .withCalibrationTime(Duration.ofSeconds(2)).withLargest(64)));
        SamplerFixture.awaitReady(worker.node(), TIMEOUT);
        BatchBudgets budgets = worker.node().loader().budgets();
        ServedModel v1 = worker.node().models().slot(fixture.model).orElseThrow().peek().orElseThrow();
        assertEquals(1, budgets.calibrations(), "measured at start-up");
        int measured = budgets.results().get(0).budget();
        assertTrue(measured >= 1 && measured <= 64, "within the largest batch tried: " + measured);
        // Measured on one lane; a pass is split over the node's lanes, each taking that many images.
        int lanes = worker.node().lanes().count();
        measured *= lanes;
        assertEquals(measured, v1.passBudget());
        assertEquals(measured, worker.node().metrics().batchBudget(fixture.model), "exported");
        assertEquals(measured, worker.node().models().sampleBudget(), "what admission uses");

        // A later training step of the same network: same cost per pass, no new measurement while jobs may run.
        TestModels.putVersion(fixture.store, fixture.model, "v2", 2);
        TestModels.setLive(fixture.store, fixture.model, "v2");
        ModelReloader reloader = worker.node().reloader();
        assertEquals(ModelReloader.Status.LOADED,
                reloader.reconcileNow(fixture.model).get(60, TimeUnit.SECONDS).status());
        assertEquals(1, budgets.calibrations());
        assertEquals(measured, worker.node().models().slot(fixture.model).orElseThrow().peek().orElseThrow()
                .passBudget());

        // A network of another shape (twice the features) is measured again, and its budget is the live one.
        Architecture wider = new Architecture("custom", 1, 8, 8, 10);
        TestModels.putVersion(fixture.store, fixture.model, "v3", wider, wider, 3);
        TestModels.setLive(fixture.store, fixture.model, "v3");
        assertEquals(ModelReloader.Status.LOADED,
                reloader.reconcileNow(fixture.model).get(60, TimeUnit.SECONDS).status());
        assertEquals(2, budgets.calibrations(), "measured again for the new shape");
        ServedModel v3 = worker.node().models().slot(fixture.model).orElseThrow().peek().orElseThrow();
        assertEquals("v3", v3.version());
        BatchBudgets.Shape shape = BatchBudgets.Shape.of(wider, worker.node().loader().device().toString());
        assertEquals(lanes * budgets.result(shape).orElseThrow().budget(), v3.passBudget());
        assertEquals(v3.passBudget(), worker.node().metrics().batchBudget(fixture.model));

        // A version of a third shape loaded for one resumed job (on the consumer's thread): not measured there; it
        // borrows the largest budget measured so far.
        Architecture narrower = new Architecture("custom", 1, 8, 2, 10);
        TestModels.putVersion(fixture.store, fixture.model, "v4-resume", narrower, narrower, 4);
        int largestMeasured = budgets.results().stream().mapToInt(BatchCalibration.Result::budget).max().orElseThrow();
        try (ServedModel.Lease lease = worker.node().loader().loadForOneJob(fixture.model, "v4-resume")) {
            assertEquals(2, budgets.calibrations(), "no calibration on the consumer's thread");
            assertEquals(lanes * largestMeasured, lease.model().passBudget());
        }
    }

    @Test
    void aWorkerIsNotReadyUntilTheTrainerHasPublishedAVersion(LocalInfrastructure infra) {
        try (SamplerFixture empty = new SamplerFixture(infra, 1)) {
            SamplerFixture.TestNode worker = empty.node("w1", s -> s.withReconcileInterval(Duration.ofMillis(300)));
            TopicReader.sleep(1000);
            assertFalse(worker.node().ready());
            assertTrue(worker.node().assignment().isEmpty(), "no partition is held by a worker without a model");
            empty.publish("first", 1);
            SamplerFixture.awaitReady(worker.node(), TIMEOUT);
            assertEquals("first", worker.node().versions().get(empty.model));
        }
    }

    private void putVersionWithNaN(String version) {
        try (NDManager manager = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(TestModels.TINY, TestModels.SCHEDULE, manager, 4)) {
            String name = net.parameters().keySet().iterator().next();
            float[] values = new float[Math.toIntExact(net.parameters().get(name).size())];
            Arrays.fill(values, Float.NaN);
            net.setParameter(name, values);
            fixture.store.putVersion(CheckpointManifest.of(fixture.model, version, TestModels.TINY,
                    TestModels.SCHEDULE, CheckpointManifest.DataShape.of(TestModels.TINY), 4, true, Instant.now()),
                    net.parameters(), Map.of());
        }
    }

    private ModelUpdate update(String version) {
        return new ModelUpdate(fixture.model, version, ModelStore.versionPrefix(fixture.model, version), 0, Map.of(),
                Instant.now());
    }

    private void awaitVersion(SamplerNode node, String version) {
        awaitTrue(() -> version.equals(node.versions().get(fixture.model)), "version " + version + " is live");
    }

    public static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting until " + what);
            }
            TopicReader.sleep(20);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            assertTrue(latch.await(60, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The distinct model versions named by a job's started, frames and done event. */
    private static List<String> versions(List<JobEvent> events) {
        return events.stream().map(e -> e instanceof JobEvent.Started s ? s.modelVersion()
                : e instanceof JobEvent.Frame f ? f.modelVersion()
                : e instanceof JobEvent.Done d ? d.modelVersion() : "(" + e.getClass().getSimpleName() + ")")
                .distinct().toList();
    }
}
