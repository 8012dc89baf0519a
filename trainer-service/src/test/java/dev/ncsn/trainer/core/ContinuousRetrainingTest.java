package dev.ncsn.trainer.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.infra.TopicReader;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.trainer.config.GateSettings;
import dev.ncsn.trainer.data.DatasetCatalog;
import dev.ncsn.trainer.data.DatasetRef;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/** A continuous run follows a dataset's versions, each time from the live version. Real S3 and Kafka. */
@ExtendWith(InfrastructureExtension.class)
class ContinuousRetrainingTest {

    private static RunView awaitRun(TrainerNode node, String run, Predicate<RunView> until) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        RunView v = node.run(run);
        while (!until.test(v)) {
            assertTrue(System.nanoTime() < deadline, "run " + run + " still " + v.status() + " at step " + v.step());
            assertNotEquals(RunStatus.FAILED, v.status(), v.error());
            TopicReader.sleep(50);
            v = node.run(run);
        }
        return v;
    }

    @Test
    void newDataStartsASegmentFromTheLiveVersionAndANewRunCanStartFromItToo(LocalInfrastructure infra,
                                                                           @TempDir Path work) throws Exception {
        try (TrainerFixture fixture = new TrainerFixture(infra, "continuous");
             TopicReader events = fixture.updates()) {
            String model = "fashion-stream-model";
            fixture.publishSubset("fashion-stream");
            TrainerNode node = fixture.node(work, s -> s.withGate(new GateSettings(1e6, 16, 7L, 16)));
            node.start(TrainerFixture.tinyRun("stream-run", model, TrainerFixture.dataset("fashion-stream"), 3, 3,
                    0.9, true, null));

            RunView waiting = awaitRun(node, "stream-run", v -> v.status() == RunStatus.WAITING_FOR_DATA);
            assertEquals(1, waiting.candidates());
            String first = fixture.store.live(model).orElseThrow().version();
            assertEquals(waiting.lastVersion(), first);

            // New data: the t10k images as the training images of v2 (the last 16 are held out).
            DatasetRef v2 = new DatasetCatalog(fixture.bucket).publish("fashion-stream", Map.of(
                    "train-images-idx3-ubyte.gz", TrainerFixture.subsetFile("t10k-images-idx3-ubyte.gz")));
            assertEquals("v2", v2.version());
            RunView second = awaitRun(node, "stream-run",
                    v -> v.candidates() == 2 && v.status() == RunStatus.WAITING_FOR_DATA);
            assertEquals(2, second.segment());
            RunRecord.Segment segment = second.segments().get(1);
            assertEquals(v2, segment.data());
            assertEquals(first, segment.initVersion(), "the segment starts from the live version");
            assertEquals(3, segment.startStep());
            assertEquals(6, segment.endStep());
            List<CheckpointManifest> versions = fixture.store.versions(model);
            assertEquals(List.of(3L, 6L), versions.stream().map(CheckpointManifest::trainingStep).toList());
            assertEquals(first, versions.get(1).parent());
            assertEquals(versions.get(1).versionId(), fixture.store.live(model).orElseThrow().version());

            RunView stopped = node.stop("stream-run");
            assertNotNull(stopped);
            assertTrue(node.job("stream-run").orElseThrow().await(Duration.ofSeconds(30)), "waiting stops at once");
            assertEquals(RunStatus.STOPPED, node.run("stream-run").status());

            // A new run with init "live" continues from the live version's weights and step.
            node.start(TrainerFixture.tinyRun("from-live", model, TrainerFixture.dataset("fashion-stream"), 2, 2, 0.9,
                    false, "live"));
            RunView fromLive = awaitRun(node, "from-live", v -> v.status() == RunStatus.COMPLETED);
            // the record says completed a moment before the worker ends, and a live worker still takes a run slot
            assertTrue(node.job("from-live").orElseThrow().await(Duration.ofSeconds(30)), "the worker ends");
            assertEquals(versions.get(1).versionId(), fromLive.segments().get(0).initVersion());
            assertEquals(8, fromLive.step());
            assertEquals(List.of(3L, 6L, 8L), fixture.store.versions(model).stream()
                    .map(CheckpointManifest::trainingStep).toList());

            TrainerFixture.awaitEvent(events, model, 2, Duration.ofSeconds(30));
            List<String> announced = events.records().stream().filter(r -> model.equals(r.key()))
                    .map(r -> Contracts.decode(r.value(), ModelUpdate.class).version()).toList();
            assertEquals(fixture.store.versions(model).stream().map(CheckpointManifest::versionId).toList(), announced);

            // init "live" needs a live version of the same architecture
            assertThrows(DatasetCatalog.UnknownDataException.class, () -> node.start(TrainerFixture.tinyRun("x",
                    "no-live-model", TrainerFixture.dataset("fashion-stream"), 2, 2, 0.9, false, "live")));
        }
    }
}
