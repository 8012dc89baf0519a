package dev.ncsn.trainer.core;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.train.TrainingConfig;
import dev.ncsn.model.train.TrainingRun;
import dev.ncsn.trainer.config.FidGateSettings;
import dev.ncsn.trainer.config.GateSettings;
import dev.ncsn.trainer.store.CheckpointPublisher;
import dev.ncsn.trainer.store.RetentionPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The promotion gate's FID condition with the tiny network, the project's feature classifier and the held-out
 * images of the Fashion-MNIST subset: a candidate whose FID is worse than the live version's is rejected even when
 * its DSM loss would pass; one that is not worse is promoted; the tolerance moves the line. Small draws (48
 * samples, 2 steps per level) keep it fast.
 */
@ExtendWith(InfrastructureExtension.class)
class FidGateTest {

    static final Path CLASSIFIER = Path.of("../models/fashion-mnist-classifier");
    private static TrainerFixture fixture;
    private static Dataset train;
    private static Dataset heldOut;

    @BeforeAll
    static void setUp(LocalInfrastructure infra) {
        fixture = new TrainerFixture(infra, "fid-gate");
        train = MnistReader.read(TrainerFixture.SUBSET, "train");
        heldOut = MnistReader.read(TrainerFixture.SUBSET, "t10k");
    }

    @AfterAll
    static void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    /** A DSM tolerance so large that only the FID condition can reject. */
    private static PromotionGate gate(double dsmTolerance, double fidTolerance) {
        return new PromotionGate(fixture.store, new GateSettings(dsmTolerance, 16, 7L, 16)
                .withFid(FidGateSettings.of(CLASSIFIER, 48, 2, fidTolerance)));
    }

    @Test
    void aCandidateWithAWorseFidIsRejectedAndOneThatIsNotWorseIsPromoted() {
        String model = "fid-model";
        CheckpointPublisher publisher = new CheckpointPublisher(fixture.store, update -> { },
                RetentionPolicy.keepAll(), 1);
        TrainingConfig config = new TrainingConfig(model, TrainerFixture.TINY, NoiseSchedule.IMAGES,
                TrainingConfig.Objective.DSM, 16, 3e-3, 0.0, 5L, false);
        try (PromotionGate gate = gate(1e6, 0);
             NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork fresh = NcsnScoreNetwork.create(TrainerFixture.TINY, NoiseSchedule.IMAGES, m, 99L);
             TrainingRun run = TrainingRun.start(config, train)) {
            for (int i = 0; i < 30; i++) {
                run.trainStep();
            }
            // The trained weights go live: nothing was live, so promoted; its FID is measured and recorded.
            PromotionGate.Decision first = gate.decide(model, TrainerFixture.TINY, run.network(),
                    gate.score(run.network(), heldOut), heldOut);
            assertTrue(first.promote(), first.reason());
            assertNotNull(first.fid());
            assertNull(first.liveFid());
            publisher.publish(CheckpointManifest.of(model, "v1", TrainerFixture.TINY, NoiseSchedule.IMAGES,
                    CheckpointManifest.DataShape.of(TrainerFixture.TINY), run.step(), false, Instant.now()),
                    run.network().parameters(), Map.of(), true);

            // Fresh weights: the DSM condition lets anything through here, the FID condition does not.
            PromotionGate.Decision worse = gate.decide(model, TrainerFixture.TINY, fresh, gate.score(fresh, heldOut),
                    heldOut);
            assertFalse(worse.promote(), worse.reason());
            assertEquals("v1", worse.liveVersion());
            assertEquals(first.fid(), worse.liveFid(), 1e-9 * first.fid(),
                    "the live version's FID is that of the same draw of the same weights");
            System.out.printf("FID gate: live (30 steps) %.2f, fresh weights %.2f%n", worse.liveFid(), worse.fid());
            assertTrue(worse.fid() > worse.liveFid(), worse.reason());
            assertTrue(worse.reason().contains("; FID ") && worse.reason().contains(" > "), worse.reason());

            // The live weights themselves: the same draw gives the same FID, not worse, so promoted at tolerance 0.
            PromotionGate.Decision same = gate.decide(model, TrainerFixture.TINY, run.network(),
                    gate.score(run.network(), heldOut), heldOut);
            assertTrue(same.promote(), same.reason());
            assertEquals(same.liveFid(), same.fid(), 1e-9 * same.fid());

            // The tolerance is relative to the live FID: above the gap the worse candidate passes, below it not.
            double gap = (worse.fid() - worse.liveFid()) / worse.liveFid();
            try (PromotionGate lenient = gate(1e6, gap * 1.2); PromotionGate strict = gate(1e6, gap * 0.8)) {
                assertTrue(lenient.decide(model, TrainerFixture.TINY, fresh, worseScore(fresh), heldOut).promote());
                assertFalse(strict.decide(model, TrainerFixture.TINY, fresh, worseScore(fresh), heldOut).promote());
            }
            // With the DSM condition strict, the fresh weights fail it first: no FID is measured for them.
            try (PromotionGate dsmFirst = gate(0.02, 0)) {
                PromotionGate.Decision d = dsmFirst.decide(model, TrainerFixture.TINY, fresh, worseScore(fresh),
                        heldOut);
                assertFalse(d.promote(), d.reason());
                assertNull(d.fid(), d.reason());
            }
        }
    }

    private static PromotionGate.Score worseScore(NcsnScoreNetwork net) {
        return new PromotionGate(fixture.store, new GateSettings(0, 16, 7L, 16)).score(net, heldOut);
    }

    @Test
    void aRunWithTheFidGateRecordsEachCandidatesFid(@TempDir Path work) throws Exception {
        String model = "fid-run";
        fixture.publishSubset("fid-run-data");
        TrainerNode node = fixture.node(work, s -> s.withGate(new GateSettings(1e6, 16, 7L, 16)
                .withFid(FidGateSettings.of(CLASSIFIER, 16, 1, 0))));
        node.start(TrainerFixture.tinyRun("fid-run", model, TrainerFixture.dataset("fid-run-data"), 4, 2, 0.9,
                false, null));
        assertTrue(node.job("fid-run").orElseThrow().await(Duration.ofMinutes(3)));
        RunView run = node.run("fid-run");
        assertEquals(RunStatus.COMPLETED, run.status(), run.error());
        for (CheckpointManifest m : fixture.store.versions(model)) {
            assertTrue(m.metrics().get("fid") > 0, m.metrics().toString());
            JsonNode evaluation = TrainerJson.MAPPER.readTree(fixture.store.getVersionFile(model, m.versionId(),
                    "evaluation.json").orElseThrow());
            assertEquals(m.metrics().get("fid"), evaluation.get("fid").asDouble(), 0);
        }
        JsonNode second = TrainerJson.MAPPER.readTree(fixture.store.getVersionFile(model,
                fixture.store.versions(model).get(1).versionId(), "evaluation.json").orElseThrow());
        assertTrue(second.has("liveFid"), "the second candidate was compared by FID: " + second);
    }
}
