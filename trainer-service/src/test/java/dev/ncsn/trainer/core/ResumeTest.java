package dev.ncsn.trainer.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.trainer.config.GateSettings;
import dev.ncsn.trainer.store.StateSync;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

import static org.junit.jupiter.api.Assertions.*;

/** Resume after a kill, after a kill in the middle of a checkpoint, and after a stop; against real S3 and Kafka. */
@ExtendWith(InfrastructureExtension.class)
class ResumeTest {

    private static TrainerFixture fixture;

    @BeforeAll
    static void setUp(LocalInfrastructure infra) {
        fixture = new TrainerFixture(infra, "resume");
        fixture.publishSubset("fashion-resume-data");
    }

    @AfterAll
    static void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static RunRecord stored(String runId) {
        return fixture.bucket.get("runs/" + runId + "/run.json").map(b -> TrainerJson.read(b, RunRecord.class))
                .orElseThrow();
    }

    @Test
    void aKilledRunResumesFromItsLastCheckpointWithTheSameStepsAndLossesOnAnotherMachine(
            @TempDir Path machineA, @TempDir Path machineB) throws Exception {
        String model = "fashion-resume";
        String run = "resume-run";
        var allPromoted = new GateSettings(1e6, 16, 7L, 16);

        // Machine A trains to step 6 and dies; its last checkpoint is step 4.
        Map<Long, Double> first = new ConcurrentSkipListMap<>();
        TrainerNode a = fixture.node(machineA, s -> s.withGate(allPromoted));
        a.beforeLaunch(job -> job.seam().onStep(first::put).crashAtStep(6));
        a.start(TrainerFixture.tinyRun(run, model, TrainerFixture.dataset("fashion-resume-data"), 12, 4, 0.9, false,
                null));
        assertTrue(a.job(run).orElseThrow().await(Duration.ofMinutes(2)));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), List.copyOf(first.keySet()));
        assertEquals(RunStatus.RUNNING, stored(run).status(), "a killed run's record still says it was running");
        assertEquals(List.of(4L), steps(model));

        // Machine B has an empty disk: it resumes from the state in the bucket, at step 4, and repeats steps 5 and 6
        // exactly. It dies again in the middle of the checkpoint at step 8: state saved, version id chosen, nothing
        // of the version written.
        Map<Long, Double> second = new ConcurrentSkipListMap<>();
        TrainerNode b = fixture.node(machineB, s -> s.withGate(allPromoted));
        b.beforeLaunch(job -> job.seam().onStep(second::put).crashBeforePublishAt(8));
        assertEquals(List.of(run), b.resumeInterrupted());
        assertTrue(b.job(run).orElseThrow().await(Duration.ofMinutes(2)));
        assertEquals(List.of(5L, 6L, 7L, 8L), List.copyOf(second.keySet()), "resumed at the last checkpoint");
        assertEquals(first.get(5L), second.get(5L), "step 5 is the same step, bit for bit");
        assertEquals(first.get(6L), second.get(6L), "step 6 too");
        RunRecord.Pending pending = stored(run).pending();
        assertNotNull(pending);
        assertEquals(8, pending.step());
        assertEquals(List.of(4L), steps(model), "nothing of step 8's version was written");
        assertEquals("step-000000008", new String(fixture.bucket.get(StateSync.remoteRoot(run, 1) + "LATEST")
                .orElseThrow(), StandardCharsets.UTF_8).trim());

        // A restart on machine B finds the state at step 8 on its disk, publishes the pending version under the id
        // chosen before the crash, and trains on to the end.
        Map<Long, Double> third = new ConcurrentSkipListMap<>();
        TrainerNode b2 = fixture.node(machineB, s -> s.withGate(allPromoted));
        b2.beforeLaunch(job -> job.seam().onStep(third::put));
        assertEquals(List.of(run), b2.resumeInterrupted());
        assertTrue(b2.job(run).orElseThrow().await(Duration.ofMinutes(2)));
        assertEquals(List.of(9L, 10L, 11L, 12L), List.copyOf(third.keySet()));
        RunRecord done = stored(run);
        assertEquals(RunStatus.COMPLETED, done.status(), String.valueOf(done.error()));
        assertEquals(12, done.step());
        assertNull(done.pending());
        assertEquals(List.of(4L, 8L, 12L), steps(model), "one version per checkpoint, none twice");
        assertEquals(pending.version(), fixture.store.versions(model).get(1).versionId());
        assertEquals(List.of(4L, 8L, 12L), done.candidates().stream().map(RunRecord.Candidate::step).toList());
    }

    /** A stop that lands before the first step (e.g. right after the start) used to fail the run: no state yet. */
    @Test
    void aRunStoppedBeforeItsFirstStepIsStoppedAndResumesFromFreshWeights(@TempDir Path work) throws Exception {
        String run = "stop-at-once-run";
        TrainerNode node = fixture.node(work, s -> s);
        node.beforeLaunch(job -> job.stop(RunStatus.STOPPED)); // before its thread starts: it stops at step 0
        node.start(TrainerFixture.tinyRun(run, "fashion-stop-at-once", TrainerFixture.dataset("fashion-resume-data"),
                2, 2, 0.9, false, null));
        assertTrue(node.job(run).orElseThrow().await(Duration.ofMinutes(2)));
        RunView stopped = node.run(run);
        assertEquals(RunStatus.STOPPED, stopped.status(), String.valueOf(stopped.error()));
        assertEquals(0, stopped.step());

        Map<Long, Double> steps = new ConcurrentSkipListMap<>();
        node.beforeLaunch(job -> job.seam().onStep(steps::put));
        node.resume(run);
        assertTrue(node.job(run).orElseThrow().await(Duration.ofMinutes(2)));
        assertEquals(RunStatus.COMPLETED, node.run(run).status(), String.valueOf(node.run(run).error()));
        assertEquals(List.of(1L, 2L), List.copyOf(steps.keySet()));
    }

    private static List<Long> steps(String model) {
        return fixture.store.versions(model).stream().map(CheckpointManifest::trainingStep).toList();
    }

    @Test
    void aStoppedRunSavesItsStateAndResumesWhereItStopped(@TempDir Path work) throws Exception {
        String run = "stop-run";
        Map<Long, Double> steps = new ConcurrentSkipListMap<>();
        TrainerNode node = fixture.node(work, s -> s);
        node.beforeLaunch(job -> job.seam().onStep((step, loss) -> {
            steps.put(step, loss);
            if (step == 3 && steps.size() == 3) {
                node.stop(run);
            }
        }));
        node.start(TrainerFixture.tinyRun(run, "fashion-stop", TrainerFixture.dataset("fashion-resume-data"), 5, 5,
                0.9, false, null));
        assertTrue(node.job(run).orElseThrow().await(Duration.ofMinutes(2)));
        RunView stopped = node.run(run);
        assertEquals(RunStatus.STOPPED, stopped.status());
        assertEquals(3, stopped.step());
        assertEquals(RunStatus.STOPPED, stored(run).status());
        assertTrue(fixture.store.versions("fashion-stop").isEmpty(), "no checkpoint before step 5");
        assertThrows(RunConflictException.class, () -> node.stop(run), "a stopped run cannot be stopped");

        RunView resumed = node.resume(run);
        assertEquals(RunStatus.RUNNING, resumed.status());
        assertThrows(RunConflictException.class, () -> node.resume(run), "it is running");
        assertTrue(node.job(run).orElseThrow().await(Duration.ofMinutes(2)));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), List.copyOf(steps.keySet()), "no step repeated or skipped");
        assertEquals(RunStatus.COMPLETED, node.run(run).status());
        assertEquals(List.of(5L), steps("fashion-stop"));
        assertThrows(RunConflictException.class, () -> node.resume(run), "a completed run is not resumed");
        assertThrows(UnknownRunException.class, () -> node.run("no-such-run"));
    }
}
