package dev.ncsn.trainer.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.net.NcsnV2ScoreNetwork;
import dev.ncsn.model.schedule.ScheduleDesigner;
import dev.ncsn.trainer.config.GateSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The schedule of a run: an NCSNv2 run designs it from its training data when it first trains and keeps it in its
 * record and every version's manifest; a given schedule is used as it is; a resumed run keeps the schedule it was
 * saved with. Against real S3 and Kafka, with the tiny network in the NCSNv2 family.
 */
@ExtendWith(InfrastructureExtension.class)
class ScheduleDesignTest {

    private static final String DATA = "fashion-schedule-data";
    private static final GateSettings ALL_PROMOTED = new GateSettings(1e6, 16, 7L, 16);
    private static TrainerFixture fixture;

    @BeforeAll
    static void setUp(LocalInfrastructure infra) {
        fixture = new TrainerFixture(infra, "schedule");
        fixture.publishSubset(DATA);
    }

    @AfterAll
    static void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** The tiny network as an NCSNv2 run, optionally with a given schedule. */
    private static RunRequest v2Run(String runId, String model, long steps, int every,
                                    RunRequest.ScheduleField schedule) {
        var t = TrainerFixture.TINY;
        return new RunRequest(runId, model, TrainerFixture.dataset(DATA), null, null, false, null,
                new RunRequest.ArchitectureField(NcsnV2ScoreNetwork.FAMILY_NAME, t.channels(), t.imageSize(), t.ngf(),
                        t.levels()), schedule, null, 8, steps, null, 0.9, 11L, null, every, 2, 1);
    }

    private static RunRecord stored(String runId) {
        return fixture.bucket.get("runs/" + runId + "/run.json").map(b -> TrainerJson.read(b, RunRecord.class))
                .orElseThrow();
    }

    private static List<CheckpointManifest> versions(String model) {
        return fixture.store.versions(model);
    }

    @Test
    void aNewNcsnv2RunTrainsOnTheScheduleDesignedFromItsTrainingData(@TempDir Path work) throws Exception {
        String model = "fashion-designed";
        TrainerNode node = fixture.node(work, s -> s.withGate(ALL_PROMOTED));
        node.start(v2Run("designed", model, 2, 2, null));
        assertTrue(node.job("designed").orElseThrow().await(Duration.ofMinutes(3)));
        assertEquals(RunStatus.COMPLETED, stored("designed").status(), String.valueOf(stored("designed").error()));

        // The design, computed here independently on the same 1,500 training images the dataset holds.
        ScheduleDesigner.Design expected = ScheduleDesigner.design(MnistReader.read(TrainerFixture.SUBSET, "train"));
        RunSpec spec = stored("designed").spec();
        assertEquals(expected.schedule(), spec.schedule());
        assertEquals(expected, spec.scheduleDesign(), "the run's record keeps every rule's value");
        assertEquals(expected.schedule().levels(), spec.architecture().levels());
        assertNotEquals(NoiseSchedule.images(10), spec.schedule());

        CheckpointManifest version = versions(model).get(0);
        assertEquals(expected.schedule(), version.schedule());
        assertEquals(expected, version.scheduleDesign(), "and so does the version's manifest");
        assertEquals(NcsnV2ScoreNetwork.FAMILY_NAME, version.architecture().family());

        // A run that starts from the live version takes its schedule, as it is, rather than designing one.
        RunRequest fromLive = v2Run("from-live", model, 2, 2, null);
        fromLive = new RunRequest(fromLive.runId(), fromLive.model(), fromLive.data(), null, "live", false, null,
                fromLive.architecture(), null, null, 8, 2L, null, 0.9, 12L, null, 2, 2, 1);
        node.start(fromLive);
        assertTrue(node.job("from-live").orElseThrow().await(Duration.ofMinutes(3)));
        assertEquals(RunStatus.COMPLETED, stored("from-live").status(), String.valueOf(stored("from-live").error()));
        assertEquals(expected.schedule(), stored("from-live").spec().schedule());
        CheckpointManifest next = versions(model).get(1);
        assertEquals(version.versionId(), next.parent());
        assertEquals(expected.schedule(), next.schedule());
    }

    @Test
    void aGivenScheduleIsUsedAsItIs(@TempDir Path work) throws Exception {
        String model = "fashion-given";
        TrainerNode node = fixture.node(work, s -> s.withGate(ALL_PROMOTED));
        node.start(v2Run("given", model, 2, 2, new RunRequest.ScheduleField(3.0, 0.02, 7)));
        assertTrue(node.job("given").orElseThrow().await(Duration.ofMinutes(3)));
        assertEquals(RunStatus.COMPLETED, stored("given").status(), String.valueOf(stored("given").error()));
        CheckpointManifest version = versions(model).get(0);
        assertEquals(new NoiseSchedule(3.0, 0.02, 7), version.schedule());
        assertEquals(7, version.architecture().levels());
        assertNull(version.scheduleDesign());
        assertNull(stored("given").spec().scheduleDesign());
    }

    @Test
    void aResumedRunKeepsTheScheduleItWasSavedWithEvenWhenItsRecordNamesNone(@TempDir Path machineA,
                                                                            @TempDir Path machineB) throws Exception {
        String model = "fashion-kept";
        String run = "kept";
        NoiseSchedule saved = NoiseSchedule.images(10);
        // Machine A trains on an explicit schedule, checkpoints at step 2 and dies at step 3.
        TrainerNode a = fixture.node(machineA, s -> s.withGate(ALL_PROMOTED));
        a.beforeLaunch(job -> job.seam().crashAtStep(3));
        a.start(v2Run(run, model, 4, 2, new RunRequest.ScheduleField(saved.sigmaMax(), saved.sigmaMin(),
                saved.levels())));
        assertTrue(a.job(run).orElseThrow().await(Duration.ofMinutes(3)));
        assertEquals(List.of(2L), versions(model).stream().map(CheckpointManifest::trainingStep).toList());

        // Its record, rewritten as a trainer from before schedules were recorded wrote it: no schedule. A resume must
        // not design one: the saved state trained on another.
        RunRecord r = stored(run);
        RunSpec s = r.spec();
        RunSpec old = new RunSpec(s.runId(), s.model(), s.data(), s.heldOut(), s.init(), s.continuous(),
                s.architecture(), s.objective(), s.batchSize(), s.steps(), s.learningRate(), s.emaRate(), s.seed(),
                s.randomFlip(), s.checkpointEvery(), s.previewCount(), s.previewStepsPerLevel(), null, null);
        fixture.node(machineA, x -> x).context().registry().save(new RunRecord(r.id(), old, r.status(), r.step(),
                r.segments(), r.candidates(), r.pending(), r.error(), r.createdAt(), r.updatedAt()));
        assertTrue(old.designsSchedule());

        TrainerNode b = fixture.node(machineB, x -> x.withGate(ALL_PROMOTED));
        assertEquals(List.of(run), b.resumeInterrupted());
        assertTrue(b.job(run).orElseThrow().await(Duration.ofMinutes(3)));
        assertEquals(RunStatus.COMPLETED, stored(run).status(), String.valueOf(stored(run).error()));
        assertNull(stored(run).spec().scheduleDesign(), "no design for a run with saved state");
        assertNull(stored(run).spec().schedule());
        List<CheckpointManifest> all = versions(model);
        assertEquals(List.of(2L, 4L), all.stream().map(CheckpointManifest::trainingStep).toList());
        assertEquals(saved, all.get(1).schedule());
        assertNull(all.get(1).scheduleDesign());
    }
}
