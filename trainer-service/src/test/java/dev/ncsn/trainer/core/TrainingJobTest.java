package dev.ncsn.trainer.core;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.infra.TopicReader;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.trainer.config.GateSettings;
import dev.ncsn.trainer.data.DatasetCatalog;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A short run on the Fashion-MNIST subset against real S3 and Kafka: versions in order, pointer last, event after
 * the pointer, and everything readable by the sampler-side loader of shared-model.
 */
@ExtendWith(InfrastructureExtension.class)
class TrainingJobTest {

    private static TrainerFixture fixture;

    @BeforeAll
    static void setUp(LocalInfrastructure infra) {
        fixture = new TrainerFixture(infra, "job");
    }

    @AfterAll
    static void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void aShortRunPublishesCompleteVersionsInOrderWithThePointerLastAndThenAnEvent(@TempDir Path work)
            throws Exception {
        String model = "fashion-job";
        fixture.publishSubset("fashion-job-data");
        // A huge tolerance: every candidate is promoted, so the pointer moves at every checkpoint.
        TrainerNode node = fixture.node(work, s -> s.withGate(new GateSettings(1e6, 16, 7L, 16)));

        // Watches the pointer while the run publishes: whenever it names a version, that version must be complete.
        List<String> seenLive = new CopyOnWriteArrayList<>();
        List<String> problems = new CopyOnWriteArrayList<>();
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = new Thread(() -> {
            while (watching.get()) {
                try {
                    fixture.store.live(model).ifPresent(p -> {
                        if (!seenLive.contains(p.version())) {
                            seenLive.add(p.version());
                            try {
                                fixture.store.fetch(model, p.version(), TrainerFixture.TINY, NoiseSchedule.IMAGES);
                                for (String f : List.of("samples.png", "loss.png", "evaluation.json")) {
                                    if (fixture.store.getVersionFile(model, p.version(), f).isEmpty()) {
                                        problems.add(p.version() + " is live without " + f);
                                    }
                                }
                            } catch (RuntimeException e) {
                                problems.add(p.version() + " is live but incomplete: " + e);
                            }
                        }
                    });
                } catch (RuntimeException e) {
                    problems.add("pointer read failed: " + e);
                }
            }
        }, "pointer-watcher");
        watcher.setDaemon(true);

        List<String> eventOrderProblems = new CopyOnWriteArrayList<>();
        try (TopicReader events = fixture.updates()) {
            watcher.start();
            RunView started = node.start(TrainerFixture.tinyRun("job-run", model, TrainerFixture.dataset(
                    "fashion-job-data"), 12, 4, 0.9, false, null));
            assertEquals(RunStatus.RUNNING, started.status());
            assertEquals("v1", started.data().version(), "\"latest\" is resolved when the run starts");

            // Each event, when it arrives, names a version the pointer has reached already.
            List<ModelUpdate> updates = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ConsumerRecord<String, String> r = TrainerFixture.awaitEvent(events, model, i, Duration.ofMinutes(3));
                ModelUpdate u = Contracts.decode(r.value(), ModelUpdate.class);
                String live = fixture.store.live(model).map(LivePointer::version).orElse("");
                if (live.compareTo(u.version()) < 0) {
                    eventOrderProblems.add("event for " + u.version() + " arrived while the pointer named " + live);
                }
                updates.add(u);
            }
            TrainingJob job = node.job("job-run").orElseThrow();
            assertTrue(job.await(Duration.ofMinutes(2)), "the run ends");
            watching.set(false);
            watcher.join(5_000);

            RunView done = node.run("job-run");
            assertEquals(RunStatus.COMPLETED, done.status(), String.valueOf(done.error()));
            assertEquals(12, done.step());
            assertEquals(3, done.candidates());
            assertEquals(3, done.promoted());

            List<CheckpointManifest> versions = fixture.store.versions(model);
            assertEquals(3, versions.size());
            assertEquals(List.of(4L, 8L, 12L), versions.stream().map(CheckpointManifest::trainingStep).toList(),
                    "version ids sort in publication order");
            assertEquals(versions.stream().map(CheckpointManifest::versionId).toList(),
                    updates.stream().map(ModelUpdate::version).toList(), "one event per version, in order");
            assertEquals(List.of(), problems);
            assertEquals(List.of(), eventOrderProblems);
            assertTrue(seenLive.contains(versions.get(2).versionId()));
            assertEquals(versions.get(2).versionId(), fixture.store.live(model).orElseThrow().version());

            assertNull(versions.get(0).parent());
            assertEquals(versions.get(0).versionId(), versions.get(1).parent());
            assertEquals(versions.get(1).versionId(), versions.get(2).parent());
            for (int i = 0; i < 3; i++) {
                CheckpointManifest m = versions.get(i);
                ModelUpdate u = updates.get(i);
                assertTrue(m.ema(), "the EMA weights are published");
                assertEquals(m.trainingStep(), u.step());
                assertEquals("models/" + model + "/versions/" + m.versionId() + "/", u.prefix());
                assertTrue(m.metrics().get("heldOutDsmLoss") > 0);
                assertEquals(m.metrics(), u.metrics());
                verifyLikeASampler(model, m);
            }
            assertEquals(3, fixture.meters.find("ncsn.trainer.versions.published").tag("model", model)
                    .counter().count());
            assertEquals(12, fixture.meters.find("ncsn.trainer.steps").tag("model", model).counter().count());
        }
    }

    /** What a sampler does with a version: fetch and verify, load into a network, run it; plus the extras. */
    private static void verifyLikeASampler(String model, CheckpointManifest m) throws Exception {
        LoadedCheckpoint checkpoint = fixture.store.fetch(model, m.versionId(), m.architecture(), m.schedule());
        try (NDManager manager = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(m.architecture(), m.schedule(), manager, 0L)) {
            checkpoint.loadInto(net, m.architecture());
            float[] x = new float[2 * 28 * 28];
            java.util.Arrays.fill(x, 0.5f);
            float[] s = net.scoreWithoutGradients(manager.create(x, new Shape(2, 1, 28, 28)),
                    manager.create(new long[] {0, 9})).toFloatArray();
            for (float v : s) {
                assertTrue(Float.isFinite(v));
            }
        }
        BufferedImage grid = ImageIO.read(new ByteArrayInputStream(
                fixture.store.getVersionFile(model, m.versionId(), "samples.png").orElseThrow()));
        assertEquals(2 * 28 + 2, grid.getWidth(), "two samples side by side with 2 px padding");
        BufferedImage curve = ImageIO.read(new ByteArrayInputStream(
                fixture.store.getVersionFile(model, m.versionId(), "loss.png").orElseThrow()));
        assertTrue(curve.getWidth() > 100);
        JsonNode evaluation = TrainerJson.MAPPER.readTree(
                fixture.store.getVersionFile(model, m.versionId(), "evaluation.json").orElseThrow());
        assertTrue(evaluation.get("promoted").asBoolean());
        assertEquals(m.metrics().get("heldOutDsmLoss"), evaluation.get("heldOutDsmLoss").asDouble(), 0.0);
        assertEquals(16, evaluation.get("heldOutImages").asInt());
        assertEquals(10, evaluation.get("heldOutDsmLossPerLevel").size());
        assertTrue(evaluation.get("heldOut").asText().endsWith("/t10k-images-idx3-ubyte.gz"),
                "MNIST's test split is the held-out set: " + evaluation.get("heldOut").asText());
    }

    @Test
    void badDataFailsTheRunWithAClearError(@TempDir Path work) throws Exception {
        // CIFAR-sized network on Fashion-MNIST images: the request is valid, the data does not fit.
        fixture.publishSubset("fashion-job-wrong");
        TrainerNode node = fixture.node(work, s -> s);
        RunRequest wrong = new RunRequest("wrong-shape", "fashion-wrong", TrainerFixture.dataset("fashion-job-wrong"),
                null, null, null, null, new RunRequest.ArchitectureField(3, 32, 4, 10), null, 8, 4L, null, null,
                null, null, 4, 2, 2);
        node.start(wrong);
        assertTrue(node.job("wrong-shape").orElseThrow().await(Duration.ofMinutes(1)));
        RunView v = node.run("wrong-shape");
        assertEquals(RunStatus.FAILED, v.status());
        assertTrue(v.error().contains("1×28×28"), v.error());
        assertEquals(RunStatus.FAILED, fixture.bucket.get("runs/wrong-shape/run.json")
                .map(b -> TrainerJson.read(b, RunRecord.class).status()).orElseThrow());
        assertTrue(fixture.store.versions("fashion-wrong").isEmpty());
        assertThrows(DatasetCatalog.UnknownDataException.class, () -> node.start(TrainerFixture.tinyRun("nodata",
                "x", TrainerFixture.dataset("no-such-dataset"), 4, 4, 0.9, false, null)));
        assertThrows(RunConflictException.class, () -> node.start(wrong), "run ids are unique");
    }
}
