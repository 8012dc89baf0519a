package dev.ncsn.trainer.core;

import ai.djl.ndarray.NDManager;
import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.train.TrainingConfig;
import dev.ncsn.model.train.TrainingRun;
import dev.ncsn.trainer.config.GateSettings;
import dev.ncsn.trainer.store.CheckpointPublisher;
import dev.ncsn.trainer.store.RetentionPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.*;

/** The promotion gate on real held-out images, with versions in a real S3 store. */
@ExtendWith(InfrastructureExtension.class)
class PromotionGateTest {

    private static TrainerFixture fixture;
    private static Dataset train;
    private static Dataset heldOut;

    @BeforeAll
    static void setUp(LocalInfrastructure infra) {
        fixture = new TrainerFixture(infra, "gate");
        train = MnistReader.read(TrainerFixture.SUBSET, "train");
        heldOut = MnistReader.read(TrainerFixture.SUBSET, "t10k");
    }

    @AfterAll
    static void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static PromotionGate gate(double tolerance) {
        return new PromotionGate(fixture.store, new GateSettings(tolerance, 16, 7L, 8));
    }

    @Test
    void theScoreIsAFixedFunctionOfTheWeights() {
        PromotionGate gate = gate(0.02);
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork a = NcsnScoreNetwork.create(TrainerFixture.TINY, NoiseSchedule.IMAGES, m, 1L);
             NcsnScoreNetwork b = NcsnScoreNetwork.create(TrainerFixture.TINY, NoiseSchedule.IMAGES, m, 2L)) {
            PromotionGate.Score first = gate.score(a, heldOut);
            PromotionGate.Score again = gate.score(a, heldOut);
            assertEquals(first.mean(), again.mean(), 0.0, "same weights, same images, same noise");
            assertArrayEquals(first.perLevel(), again.perLevel(), 0.0);
            assertEquals(16, first.images());
            assertEquals(10, first.perLevel().length);
            assertNotEquals(first.mean(), gate.score(b, heldOut).mean());
            // batching does not change the score
            PromotionGate oneBatch = new PromotionGate(fixture.store, new GateSettings(0.02, 16, 7L, 16));
            assertEquals(first.mean(), oneBatch.score(a, heldOut).mean(), 1e-4 * first.mean());
            // the levels cycle over all ten
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1},
                    java.util.Arrays.copyOf(gate.perturbation(12, 784, 10).levels(), 12));
        }
    }

    @Test
    void theGateAcceptsABetterCandidateRejectsAWorseOneAndKeepsBoth() {
        String model = "gate-model";
        List<ModelUpdate> events = new CopyOnWriteArrayList<>();
        CheckpointPublisher publisher = new CheckpointPublisher(fixture.store, events::add, RetentionPolicy.keepAll(),
                1);
        PromotionGate gate = gate(0.02);
        TrainingConfig config = new TrainingConfig(model, TrainerFixture.TINY, NoiseSchedule.IMAGES,
                TrainingConfig.Objective.DSM, 8, 3e-3, 0.0, 5L, false);
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork worse = NcsnScoreNetwork.create(TrainerFixture.TINY, NoiseSchedule.IMAGES, m, 99L);
             TrainingRun run = TrainingRun.start(config, train)) {
            // The first candidate (fresh weights): nothing is live, so it is promoted.
            PromotionGate.Score initial = gate.score(run.network(), heldOut);
            PromotionGate.Decision d1 = gate.decide(model, TrainerFixture.TINY, run.network(), initial, heldOut);
            assertTrue(d1.promote(), d1.reason());
            assertNull(d1.liveVersion());
            String v1 = publish(publisher, run, d1, "v1");

            // Ten steps later the weights are better on the held-out images: promoted, compared with v1.
            for (int i = 0; i < 10; i++) {
                run.trainStep();
            }
            PromotionGate.Score better = gate.score(run.network(), heldOut);
            assertTrue(better.mean() < initial.mean(), initial.mean() + " → " + better.mean());
            PromotionGate.Decision d2 = gate.decide(model, TrainerFixture.TINY, run.network(), better, heldOut);
            assertTrue(d2.promote(), d2.reason());
            assertEquals(v1, d2.liveVersion());
            assertEquals(initial.mean(), d2.liveScore(), 1e-6 * initial.mean(),
                    "the live version is re-scored on the same images and noise");
            String v2 = publish(publisher, run, d2, "v2");

            // Fresh weights of another seed are worse than v2 beyond the tolerance: rejected, kept with the score.
            PromotionGate.Score worseScore = gate.score(worse, heldOut);
            PromotionGate.Decision d3 = gate.decide(model, TrainerFixture.TINY, worse, worseScore, heldOut);
            assertFalse(d3.promote(), d3.reason());
            assertEquals(v2, d3.liveVersion());
            assertEquals(better.mean(), d3.liveScore(), 1e-6 * better.mean());
            assertTrue(d3.reason().contains(">"), d3.reason());
            CheckpointManifest rejected = publisher.publish(CheckpointManifest.of(model, "v3", TrainerFixture.TINY,
                    NoiseSchedule.IMAGES, CheckpointManifest.DataShape.of(TrainerFixture.TINY), 11, false,
                    Instant.now()).withMetrics(Map.of("heldOutDsmLoss", worseScore.mean())), worse.parameters(),
                    Map.of("evaluation.json", TrainerJson.bytes(d3)), d3.promote()).manifest();

            assertEquals(v2, fixture.store.live(model).orElseThrow().version(), "the live version did not change");
            assertEquals(List.of("v1", "v2", "v3"), fixture.store.versions(model).stream()
                    .map(CheckpointManifest::versionId).toList(), "every candidate is kept");
            assertEquals(worseScore.mean(), rejected.metrics().get("heldOutDsmLoss"));
            assertEquals(List.of("v1", "v2"), events.stream().map(ModelUpdate::version).toList(),
                    "events only for promotions");

            // The tolerance is relative to the live score: a margin above the gap lets the same candidate through.
            double gap = (worseScore.mean() - better.mean()) / better.mean();
            assertTrue(gate(gap * 1.5).decide(model, TrainerFixture.TINY, worse, worseScore, heldOut).promote());
            assertFalse(gate(gap * 0.5).decide(model, TrainerFixture.TINY, worse, worseScore, heldOut).promote());
            // and a candidate exactly as good as the live version passes with no tolerance at all
            assertTrue(gate(0).decide(model, TrainerFixture.TINY, run.network(), better, heldOut).promote());
        }
    }

    private static String publish(CheckpointPublisher publisher, TrainingRun run, PromotionGate.Decision d,
                                  String version) {
        CheckpointManifest manifest = CheckpointManifest.of(run.config().modelName(), version, TrainerFixture.TINY,
                NoiseSchedule.IMAGES, CheckpointManifest.DataShape.of(TrainerFixture.TINY), run.step(), false,
                Instant.now()).withMetrics(Map.of("heldOutDsmLoss", d.heldOutDsmLoss()));
        CheckpointPublisher.Published p = publisher.publish(manifest, run.network().parameters(),
                Map.of("evaluation.json", TrainerJson.bytes(d)), d.promote());
        assertTrue(p.promoted());
        assertTrue(p.eventSent());
        assertEquals(version, fixture.store.live(run.config().modelName()).orElseThrow().version());
        return version;
    }
}
