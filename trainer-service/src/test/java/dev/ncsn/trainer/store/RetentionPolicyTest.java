package dev.ncsn.trainer.store;

import ai.djl.ndarray.NDManager;
import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.trainer.core.TrainerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

@ExtendWith(InfrastructureExtension.class)
class RetentionPolicyTest {

    private static final Architecture SMALL = new Architecture("custom", 1, 8, 2, 10);

    private static CheckpointManifest manifest(String model, String version) {
        return CheckpointManifest.of(model, version, SMALL, NoiseSchedule.IMAGES,
                CheckpointManifest.DataShape.of(SMALL), 1, true, Instant.now());
    }

    @Test
    void keepsTheNewestAndTheLiveVersion() {
        List<CheckpointManifest> versions = List.of(manifest("m", "a"), manifest("m", "b"), manifest("m", "c"),
                manifest("m", "d"), manifest("m", "e"));
        Optional<LivePointer> liveB = Optional.of(new LivePointer("m", "b", "models/m/versions/b/", 1, Map.of(),
                Instant.now()));
        assertEquals(List.of("a", "c"), new RetentionPolicy(2).expired(versions, liveB));
        assertEquals(List.of("a", "b", "c", "d"), new RetentionPolicy(1).expired(versions, Optional.empty()));
        assertEquals(List.of(), new RetentionPolicy(5).expired(versions, liveB));
        assertEquals(List.of(), RetentionPolicy.keepAll().expired(versions, liveB), "0 keeps everything");
        assertThrows(IllegalArgumentException.class, () -> new RetentionPolicy(-1));
    }

    @Test
    void deletesExpiredVersionsFromTheStoreButNeverTheLiveOne(LocalInfrastructure infra) {
        try (TrainerFixture fixture = new TrainerFixture(infra, "retention");
             NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(SMALL, NoiseSchedule.IMAGES, m, 1L)) {
            String model = "retained";
            for (String v : List.of("v1", "v2", "v3", "v4")) {
                fixture.store.putVersion(manifest(model, v), net.parameters(), Map.of("samples.png", new byte[] {1}));
            }
            fixture.store.setLive(new LivePointer(model, "v1", "models/retained/versions/v1/", 1, Map.of(),
                    Instant.now()));
            assertEquals(List.of("v2"), new RetentionPolicy(2).apply(fixture.store, model));
            assertEquals(List.of("v1", "v3", "v4"), fixture.store.versions(model).stream()
                    .map(CheckpointManifest::versionId).toList());
            assertTrue(fixture.bucket.list("models/retained/versions/v2/").isEmpty(), "all of v2's files are gone");
            assertEquals(List.of(), RetentionPolicy.keepAll().apply(fixture.store, model));
        }
    }
}
