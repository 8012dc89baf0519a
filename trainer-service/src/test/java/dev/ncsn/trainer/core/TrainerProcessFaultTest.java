package dev.ncsn.trainer.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.infra.TcpProxy;
import dev.ncsn.infra.TopicReader;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointException;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The fault suite's trainer case: the trainer, a separate JVM process ({@link TrainerProcessMain}), is killed with
 * SIGKILL while it publishes a version: its S3 connection goes through a {@link TcpProxy} that holds the PUT of the
 * version's manifest (written last, the version's commit marker), so the kill comes after its parameters and extras
 * are written and before the manifest is. A reader that does what a sampler does (follows the live pointer and the
 * model-update events, and loads only a version whose manifest is there, verifying the parameters' SHA-256 against it)
 * watches throughout: it must never be pointed at an incomplete version. Then a new trainer process resumes the run:
 * it publishes that checkpoint under the id it had chosen, and the version becomes live, complete.
 */
@ExtendWith(InfrastructureExtension.class)
class TrainerProcessFaultTest {

    private static final String MODEL = "fashion-kill";
    private static final String RUN = "kill-run";
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    @Test
    void aTrainerKilledWhilePublishingLeavesNoVersionASamplerWouldServeAndResumes(LocalInfrastructure infra,
            @TempDir Path work) throws Exception {
        try (TrainerFixture fixture = new TrainerFixture(infra, "kill");
             TcpProxy s3 = TcpProxy.forEndpoint(infra.s3Endpoint());
             TopicReader events = fixture.updates();
             SamplerView sampler = new SamplerView(fixture, events)) {
            fixture.publishSubset("fashion-kill-data");
            // The checkpoint at step 4 (of 4, every 2): the run's second version. Its manifest PUT never arrives.
            s3.holdWhen(text -> text.startsWith("PUT /" + fixture.bucketName + "/" + ModelStore.modelPrefix(MODEL))
                    && text.lines().findFirst().orElse("").contains("step000000004")
                    && text.lines().findFirst().orElse("").contains("/" + Checkpoint.MANIFEST_FILE + " "));
            Process first = start(fixture, s3, work, "first", "start", RUN, MODEL, "fashion-kill-data", "4", "2");
            String held = s3.awaitHeld(TIMEOUT);
            assertNotNull(held, "the trainer reached the manifest of step 4:\n" + output(work, "first"));
            first.destroyForcibly(); // SIGKILL while its manifest PUT is on the wire
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
            s3.release();

            // What the kill left: step 4's parameters and extras, no manifest; the pointer still on step 2.
            RunRecord record = fixture.bucket.get("runs/" + RUN + "/run.json")
                    .map(b -> TrainerJson.read(b, RunRecord.class)).orElseThrow();
            String half = record.pending().version();
            assertEquals(4, record.pending().step());
            assertTrue(held.contains(half), held);
            String prefix = ModelStore.versionPrefix(MODEL, half);
            assertTrue(fixture.store.exists(prefix + Checkpoint.PARAMETERS_FILE), "killed mid-version");
            assertTrue(fixture.store.exists(prefix + "samples.png"));
            assertFalse(fixture.store.exists(prefix + Checkpoint.MANIFEST_FILE), "its commit marker never arrived");
            assertEquals(List.of(2L), steps(fixture), "an incomplete version is not listed");
            String liveBefore = fixture.store.live(MODEL).map(LivePointer::version).orElseThrow();
            assertNotEquals(half, liveBefore);
            // A sampler told about it anyway (a stale hint) refuses it: no manifest, no version.
            CheckpointException refused = assertThrows(CheckpointException.class,
                    () -> fixture.store.fetch(MODEL, half, TrainerFixture.TINY, NoiseSchedule.IMAGES));
            assertTrue(refused.getMessage().contains("does not exist"), refused.getMessage());

            // A new trainer process resumes: the checkpoint at 4 is published under the id chosen before the kill.
            Process second = start(fixture, s3, work, "second", "resume");
            assertTrue(second.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), output(work, "second"));
            assertTrue(output(work, "second").contains("DONE " + RUN + " COMPLETED"), output(work, "second"));
            assertEquals(List.of(2L, 4L), steps(fixture), "one version per checkpoint, none twice");
            assertEquals(half, fixture.store.versions(MODEL).get(1).versionId());
            assertEquals(half, fixture.store.live(MODEL).map(LivePointer::version).orElseThrow());
            ModelUpdate last = Contracts.decode(TrainerFixture.awaitEvent(events, MODEL, 1, TIMEOUT).value(),
                    ModelUpdate.class);
            assertEquals(half, last.version(), "announced once complete and live");
            sampler.awaitSeen(half, TIMEOUT);

            sampler.close();
            assertEquals(List.of(), sampler.problems, "a sampler was never pointed at an incomplete version");
            assertTrue(sampler.loaded.containsAll(List.of(liveBefore, half)), "it loaded " + sampler.loaded);
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("case", "trainer kill -9 while publishing");
            figures.put("killedAt", held);
            figures.put("versionsLoaded", sampler.loaded);
            figures.put("incompleteVersionsSeen", sampler.problems.size());
            System.out.println("FAULT " + Contracts.encode(figures));
        }
    }

    private static List<Long> steps(TrainerFixture fixture) {
        return fixture.store.versions(MODEL).stream().map(CheckpointManifest::trainingStep).toList();
    }

    private static Process start(TrainerFixture fixture, TcpProxy s3, Path work, String name, String... mode)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Djava.awt.headless=true",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));
        for (String p : List.of("ai.djl.offline", "ai.djl.pytorch.graph_optimizer", "ai.djl.pytorch.num_threads",
                "ai.djl.pytorch.num_interop_threads")) {
            if (System.getProperty(p) != null) {
                command.add("-D" + p + "=" + System.getProperty(p));
            }
        }
        command.addAll(List.of(TrainerProcessMain.class.getName(), fixture.infra.kafkaBootstrapServers(),
                s3.endpoint(), fixture.infra.s3AccessKey(), fixture.infra.s3SecretKey(), fixture.bucketName,
                fixture.topic, work.resolve("trainer").toString()));
        command.addAll(List.of(mode));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".log").toFile()).start();
    }

    private static String output(Path work, String name) {
        try {
            return Files.readString(work.resolve(name + ".log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * What a sampler's reloader does, on its own thread: follow the live pointer and the model-update events, and
     * load a version only through its manifest, verifying the parameters against it (shared-model's
     * {@code ModelStore.fetch}, which the sampler's loader uses). Every version it is pointed at must load.
     */
    private static final class SamplerView implements AutoCloseable {

        final List<String> problems = new CopyOnWriteArrayList<>();
        final List<String> loaded = new CopyOnWriteArrayList<>();
        private final Set<String> tried = ConcurrentHashMap.newKeySet();
        private final TrainerFixture fixture;
        private final TopicReader events;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        SamplerView(TrainerFixture fixture, TopicReader events) {
            this.fixture = fixture;
            this.events = events;
            this.thread = new Thread(this::run, "sampler-view");
            this.thread.setDaemon(true);
            this.thread.start();
        }

        private void run() {
            while (running.get()) {
                try {
                    fixture.store.live(MODEL).ifPresent(p -> load(p.version(), "the pointer"));
                    for (ConsumerRecord<String, String> r : events.records()) {
                        if (MODEL.equals(r.key())) {
                            load(Contracts.decode(r.value(), ModelUpdate.class).version(), "an event");
                        }
                    }
                } catch (RuntimeException e) {
                    problems.add("cannot follow the store: " + e);
                }
                TopicReader.sleep(10);
            }
        }

        private void load(String version, String via) {
            if (!tried.add(version)) {
                return;
            }
            try {
                CheckpointManifest m = fixture.store.manifest(MODEL, version).orElseThrow(() ->
                        new CheckpointException(version + " has no manifest"));
                fixture.store.fetch(MODEL, version, m.architecture(), m.schedule());
                loaded.add(version);
            } catch (RuntimeException e) {
                problems.add(via + " named " + version + ", which is incomplete: " + e.getMessage());
            }
        }

        void awaitSeen(String version, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!tried.contains(version)) {
                assertTrue(System.nanoTime() < deadline, "the sampler view never saw " + version);
                TopicReader.sleep(20);
            }
        }

        @Override
        public void close() {
            running.set(false);
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
