package dev.ncsn.sampler.core;

import dev.ncsn.sampler.config.BatchSettings;
import dev.ncsn.sampler.config.SamplerSettings;

import dev.ncsn.infra.TopicReader;
import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.contract.CancelRequest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.DeadLetter;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.image.ImageGrid;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.ncsn.sampler.core.SamplerFixture.params;
import static org.junit.jupiter.api.Assertions.*;

/** Jobs end to end through real Kafka and a real S3 store, on one worker with a tiny network. */
@ExtendWith(InfrastructureExtension.class)
class SamplingJobsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private static SamplerFixture fixture;
    private static SamplerFixture.TestNode worker;

    @BeforeAll
    static void start(LocalInfrastructure infra) {
        fixture = new SamplerFixture(infra, 2);
        fixture.publish("v1", 1);
        worker = fixture.node("w1");
        SamplerFixture.awaitReady(worker.node(), TIMEOUT);
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void aGenerationJobYieldsFramesForAllTenLevelsInOrderAndOneDoneEvent() {
        double stepsBefore = worker.node().metrics().langevinSteps();
        double doneBefore = worker.node().metrics().jobs("done");
        fixture.generate("gen-1", params(4, 42, 3, 2));
        List<JobEvent> events = fixture.awaitTerminal("gen-1", TIMEOUT);

        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, events.get(i).sequence(), "sequence numbers count from 0 without gaps");
            assertEquals(i == events.size() - 1, events.get(i).terminal(), "exactly one terminal event, last");
        }
        JobEvent.Started started = assertInstanceOf(JobEvent.Started.class, events.get(0),
                "a job's first event says it started, before its first step");
        assertEquals(worker.node().settings().instanceId(), started.worker());
        assertEquals("v1", started.modelVersion());
        assertEquals(10, started.levels());
        assertEquals(3, started.stepsPerLevel());
        assertEquals(30, started.totalSteps());
        assertEquals(4, started.count());
        assertEquals(120, started.evaluations(), "one network evaluation per sample per step");
        List<JobEvent.Frame> frames = events.subList(1, events.size() - 1).stream()
                .map(JobEvent.Frame.class::cast).toList();
        // frameEvery 2 with 3 steps per level: step 2 and the level's last step, at each of the ten levels.
        assertEquals(20, frames.size());
        for (int level = 1; level <= 10; level++) {
            JobEvent.Frame a = frames.get(2 * (level - 1));
            JobEvent.Frame b = frames.get(2 * (level - 1) + 1);
            assertEquals(level, a.level());
            assertEquals(level, b.level());
            assertEquals(2, a.step());
            assertEquals(3, b.step(), "the last step of every level gives a frame");
            assertEquals(TestModels.SCHEDULE.sigma(level - 1), a.sigma(), 1e-12);
            assertEquals(10, a.levels());
            assertEquals(30, a.totalSteps());
            assertEquals("v1", a.modelVersion());
            assertNull(a.denoised(), "no denoised preview unless asked");
            assertEquals(18, png(a.image()).getWidth(), "a 2×2 grid of 8 px tiles with 2 px padding");
        }
        JobEvent.Done done = (JobEvent.Done) events.get(events.size() - 1);
        assertEquals("v1", done.modelVersion());
        assertEquals(4, done.images().size());
        assertEquals(8, png(done.images().get(0)).getWidth());
        assertEquals(18, png(done.image()).getHeight());
        assertEquals(30, worker.node().metrics().langevinSteps() - stepsBefore, 1e-9);
        assertEquals(1, worker.node().metrics().jobs("done") - doneBefore, 1e-9);
    }

    @Test
    void theWorkerRunsEverySamplerAndReportsItsNetworkEvaluations() {
        List<String> names = dev.ncsn.model.sampling.Samplers.names();
        Map<String, Integer> evaluations = Map.of("annealed-langevin", 20, "langevin", 20, "predictor-corrector", 40,
                "probability-flow", 20, "ancestral", 20, "consistent-annealed", 20, "walk-jump", 21);
        assertEquals(evaluations.keySet(), new java.util.HashSet<>(names), "a new sampler needs a case here");
        for (String name : names) {
            // consistent annealed sampling needs ε ≥ 2σL²(1 − γ), about 4.3·10⁻⁵ with 2 steps per level on 1 → 0.01
            Double stepSize = name.equals("consistent-annealed") ? 2e-4 : null;
            fixture.generate("any-" + name, new dev.ncsn.model.contract.SamplingParameters(2, 3L, name, null, 2,
                    stepSize, null, 2, null, null));
        }
        for (String name : names) {
            List<JobEvent> events = fixture.awaitTerminal("any-" + name, TIMEOUT);
            assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1), name + ": " + events);
            JobEvent.Frame last = (JobEvent.Frame) events.get(events.size() - 2);
            assertEquals(evaluations.get(name), last.totalSteps(), name);
            assertEquals(last.totalSteps(), last.completedSteps(), name);
        }
    }

    @Test
    void denoisedPreviewsComeWhenAsked() {
        fixture.generate("gen-denoised", new dev.ncsn.model.contract.SamplingParameters(1, 5L, 1, null, 1, true,
                null));
        List<JobEvent> events = fixture.awaitTerminal("gen-denoised", TIMEOUT);
        assertEquals(12, events.size());
        for (JobEvent e : events.subList(1, 11)) {
            assertNotNull(((JobEvent.Frame) e).denoised());
            assertEquals(8, png(((JobEvent.Frame) e).denoised()).getWidth());
        }
    }

    @Test
    void anInpaintingJobKeepsTheKnownPixelsEqualToTheObservation() {
        int[][] observed = new int[8][8];
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage mask = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                observed[y][x] = (x * 31 + y * 7) % 256;
                image.getRaster().setSample(x, y, 0, observed[y][x]);
                mask.getRaster().setSample(x, y, 0, x >= 4 ? 255 : 0); // right half: generate
            }
        }
        fixture.inpaint("inp-1", params(3, 7, 3, 3), base64(image), base64(mask));
        List<JobEvent> events = fixture.awaitTerminal("inp-1", TIMEOUT);
        JobEvent.Done done = assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1), events.toString());
        assertEquals(3, done.images().size());
        int generatedDiffer = 0;
        for (String encoded : done.images()) {
            BufferedImage result = png(encoded);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int value = result.getRaster().getSample(x, y, 0);
                    if (x < 4) {
                        assertEquals(observed[y][x], value, "known pixel (" + x + ", " + y + ")");
                    } else if (value != observed[y][x]) {
                        generatedDiffer++;
                    }
                }
            }
        }
        assertTrue(generatedDiffer > 0, "the masked half is generated, not copied");
    }

    @Test
    void twoJobsWithTheSameSeedAndParametersGiveIdenticalImagesAloneOrTogether() {
        fixture.generate("alone", params(2, 11, 3, 3));
        List<JobEvent> alone = fixture.awaitTerminal("alone", TIMEOUT);

        long passesBefore = worker.node().metrics().forwardPasses();
        double stepsBefore = worker.node().metrics().langevinSteps();
        fixture.generate("together", params(2, 11, 3, 3));
        fixture.generate("other", params(3, 12, 3, 3));
        List<JobEvent> together = fixture.awaitTerminal("together", TIMEOUT);
        List<JobEvent> other = fixture.awaitTerminal("other", TIMEOUT);

        long passes = worker.node().metrics().forwardPasses() - passesBefore;
        double steps = worker.node().metrics().langevinSteps() - stepsBefore;
        assertEquals(60, steps, 1e-9);
        assertTrue(passes < steps, "the two jobs shared forward passes: " + passes + " passes for " + steps + " steps");

        assertEquals(images(alone), images(together), "same seed and parameters: the same images, frame by frame");
        assertNotEquals(((JobEvent.Done) alone.get(alone.size() - 1)).images(),
                ((JobEvent.Done) other.get(other.size() - 1)).images().subList(0, 2));
    }

    @Test
    void aJobBatchedWithOthersAtOtherLevelsUnderAMeasuredBudgetGivesTheBytesItGivesAlone(LocalInfrastructure infra) {
        // A worker of its own whose per-pass budget is measured, as the service's is by default.
        try (SamplerFixture own = new SamplerFixture(infra, 4)) {
            own.publish("v1", 1);
            SamplerFixture.TestNode node = own.node("measured", s -> s.withBatch(BatchSettings.auto()
                    .withCalibrationTime(Duration.ofSeconds(3)).withLargest(16)));
            SamplerFixture.awaitReady(node.node(), TIMEOUT);
            SamplingParameters annealed = new SamplingParameters(1, 31L, "annealed-langevin", null, 4, null, null,
                    1, null, null);
            SamplingParameters pc = new SamplingParameters(2, 32L, "predictor-corrector", null, 2, null, null,
                    1, null, null);
            own.generate("solo-al", annealed);
            own.generate("solo-pc", pc);
            List<JobEvent> soloAl = own.awaitTerminal("solo-al", TIMEOUT);
            List<JobEvent> soloPc = own.awaitTerminal("solo-pc", TIMEOUT);

            // Others first, so that the copies join passes whose other samples are at other levels.
            for (int i = 0; i < 4; i++) {
                own.generate("other-" + i, params(1 + i % 2, 40 + i, 6, 1));
            }
            own.frames.await(r -> "other-0".equals(r.key()) && r.value().contains("\"level\":2,"), TIMEOUT);
            long passesBefore = node.node().metrics().forwardPasses();
            double stepsBefore = node.node().metrics().langevinSteps();
            own.generate("copy-al", annealed);
            own.generate("copy-pc", pc);
            List<JobEvent> copyAl = own.awaitTerminal("copy-al", TIMEOUT);
            List<JobEvent> copyPc = own.awaitTerminal("copy-pc", TIMEOUT);
            long passes = node.node().metrics().forwardPasses() - passesBefore;
            double steps = node.node().metrics().langevinSteps() - stepsBefore;
            assertTrue(passes < steps, "the copies shared passes: " + passes + " passes for " + steps + " job-steps");

            assertEquals(images(soloAl), images(copyAl), "annealed Langevin: the same PNGs, frame by frame");
            assertEquals(images(soloPc), images(copyPc), "predictor-corrector: the same PNGs, frame by frame");
            for (int i = 0; i < 4; i++) {
                List<JobEvent> events = own.awaitTerminal("other-" + i, TIMEOUT);
                assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1));
            }
        }
    }

    @Test
    void cancelStopsARunningJobWithinOneLangevinStep() {
        String control = Contracts.encode(new CancelRequest("cancel-1", Instant.now()));
        worker.sinks().hook(e -> {
            if (e instanceof JobEvent.Frame f && f.jobId().equals("cancel-1") && f.completedSteps() == 3) {
                // On the event thread, as frame 3 is sent: step 4 may have begun already (events overlap the next
                // pass), so the job stops before step 5 at the latest.
                worker.node().control().onControl(fixture.topics.control(), 0, 0, "cancel-1", control);
            }
        });
        try {
            fixture.generate("cancel-1", params(2, 3, 5, 1));
            List<JobEvent> events = fixture.awaitTerminal("cancel-1", TIMEOUT);
            assertTrue(events.size() == 5 || events.size() == 6, events.toString());
            JobEvent.Frame last = assertInstanceOf(JobEvent.Frame.class, events.get(events.size() - 2));
            assertEquals(events.size() - 2, last.completedSteps(), "a frame per step, none after the cancel's step");
            JobEvent.Cancelled cancelled = assertInstanceOf(JobEvent.Cancelled.class, events.get(events.size() - 1));
            assertEquals(events.size() - 1, cancelled.sequence());
        } finally {
            worker.sinks().hook(e -> { });
        }
    }

    @Test
    void aJobCancelledBeforeAWorkerPicksItUpEndsCancelledAtOnce() {
        double stepsBefore = worker.node().metrics().langevinSteps();
        worker.node().control().cancel("cancel-early");
        fixture.generate("cancel-early", params(2, 3, 5, 1));
        List<JobEvent> events = fixture.awaitTerminal("cancel-early", TIMEOUT);
        assertEquals(1, events.size());
        assertEquals(0, assertInstanceOf(JobEvent.Cancelled.class, events.get(0)).sequence());
        assertEquals(stepsBefore, worker.node().metrics().langevinSteps(), 1e-9, "no step was taken for it");
    }

    @Test
    void invalidRequestsGetFailedEventsAndDeadLettersWhileTheNextGoodRequestCompletes() throws Exception {
        fixture.send(fixture.topics.generationRequests(), "bad-json", "{\"jobId\": \"bad-json\", \"count\": ");
        fixture.send(fixture.topics.generationRequests(), "bad-count",
                "{\"jobId\":\"bad-count\",\"parameters\":{\"count\":0}}");
        fixture.send(fixture.topics.generationRequests(), "bad-field",
                "{\"jobId\":\"bad-field\",\"parameters\":{\"count\":1},\"colour\":\"red\"}");
        fixture.send(fixture.topics.generationRequests(), "bad-model",
                "{\"jobId\":\"bad-model\",\"parameters\":{\"count\":1},\"model\":\"no-such-model\"}");
        fixture.send(fixture.topics.generationRequests(), "bad-sampler",
                "{\"jobId\":\"bad-sampler\",\"parameters\":{\"count\":1,\"sampler\":\"ddim\"}}");
        fixture.send(fixture.topics.generationRequests(), "bad-option", "{\"jobId\":\"bad-option\",\"parameters\":"
                + "{\"count\":1,\"sampler\":\"predictor-corrector\",\"samplerOptions\":{\"snr\":-1}}}");
        fixture.send(fixture.topics.generationRequests(), "bad-levels",
                "{\"jobId\":\"bad-levels\",\"parameters\":{\"count\":1,\"levels\":20}}");
        BufferedImage wrongSize = new BufferedImage(5, 5, BufferedImage.TYPE_BYTE_GRAY);
        fixture.inpaint("bad-image", params(1, 1, 1, 1), base64(wrongSize), base64(wrongSize));
        fixture.send(fixture.topics.generationRequests(), null, "%%% not even JSON");
        fixture.generate("good-after-bad", params(1, 9, 2, 2));

        Map<String, String> expected = Map.of(
                "bad-json", "malformed JSON",
                "bad-count", "count must be between 1 and 64",
                "bad-field", "unknown field \"colour\"",
                "bad-model", "model no-such-model is not served",
                "bad-sampler", "unknown sampler \"ddim\"; known samplers: annealed-langevin",
                "bad-option", "option \"snr\" of sampler predictor-corrector must be in",
                "bad-levels", "levels=20 needs a network that accepts any σ",
                "bad-image", "5×5");
        for (Map.Entry<String, String> e : expected.entrySet()) {
            List<JobEvent> events = fixture.awaitTerminal(e.getKey(), TIMEOUT);
            assertEquals(1, events.size());
            JobEvent.Failed failed = assertInstanceOf(JobEvent.Failed.class, events.get(0));
            assertTrue(failed.reason().contains(e.getValue()), failed.reason());
            ConsumerRecord<String, String> letter = fixture.deadLetters.await(r -> e.getKey().equals(r.key()), TIMEOUT);
            DeadLetter dead = Contracts.decode(letter.value(), DeadLetter.class);
            assertEquals(failed.reason(), dead.reason());
            assertEquals(SamplerSettings.SERVICE, dead.service());
            assertTrue(dead.topic().equals(fixture.topics.generationRequests())
                    || dead.topic().equals(fixture.topics.inpaintingRequests()));
        }
        ConsumerRecord<String, String> keyless = fixture.deadLetters.await(
                r -> r.value().contains("not even JSON"), TIMEOUT);
        assertNull(Contracts.decode(keyless.value(), DeadLetter.class).key());

        List<JobEvent> good = fixture.awaitTerminal("good-after-bad", TIMEOUT);
        assertInstanceOf(JobEvent.Done.class, good.get(good.size() - 1));
        awaitEverythingCommitted();
    }

    /** The group's committed offsets reach the end of both request topics: refused records are not re-read. */
    private static void awaitEverythingCommitted() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                fixture.infra.kafkaBootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : fixture.topics.requestTopics()) {
                for (int p = 0; p < 2; p++) {
                    latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                        "sampler-" + fixture.id).partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                List<String> behind = new ArrayList<>();
                ends.forEach((tp, end) -> {
                    OffsetAndMetadata c = committed.get(tp);
                    if (end.offset() > 0 && (c == null || c.offset() != end.offset())) {
                        behind.add(tp + " committed " + (c == null ? "nothing" : c.offset()) + " of " + end.offset());
                    }
                });
                if (behind.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    fail("offsets not committed: " + behind);
                }
                TopicReader.sleep(50);
            }
        }
    }

    /** Every image of a job's events, frames and done, in order. */
    private static List<String> images(List<JobEvent> events) {
        List<String> images = new ArrayList<>();
        for (JobEvent e : events) {
            if (e instanceof JobEvent.Frame f) {
                images.add(f.image());
            } else if (e instanceof JobEvent.Done d) {
                images.add(d.image());
                images.addAll(d.images());
            }
        }
        return images;
    }

    static BufferedImage png(String base64) {
        try {
            return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(base64)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String base64(BufferedImage image) {
        return Base64.getEncoder().encodeToString(ImageGrid.Png.encode(image));
    }
}
