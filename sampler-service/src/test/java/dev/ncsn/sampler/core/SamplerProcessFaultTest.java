package dev.ncsn.sampler.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.infra.TopicReader;
import dev.ncsn.model.contract.JobEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static dev.ncsn.sampler.core.SamplerFixture.params;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The fault suite: sampler workers as separate JVM processes ({@link SamplerProcessMain}, the production
 * {@link SamplerNode}) on the shared real Kafka and S3. Two workers, one partition per request topic, so the
 * generation jobs all run on one of them; that one is then killed (SIGKILL) or stopped (SIGTERM) mid-job.
 * Each case prints its figures as one JSON line ({@code FAULT {...}}).
 */
@ExtendWith(InfrastructureExtension.class)
class SamplerProcessFaultTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final int JOBS = 2;
    private static final int STEPS_PER_LEVEL = 12; // 120 steps, a frame each: done is event 120
    /** The scale-up case: jobs long enough to be still running when the new worker has started. */
    private static final int LONG_STEPS_PER_LEVEL = 50;

    @Test
    void killMinus9OfAWorkerHoldingRunningJobs(LocalInfrastructure infra) throws Exception {
        try (SamplerFixture fixture = new SamplerFixture(infra, 1); Workers workers = new Workers(fixture)) {
            Run run = startAndSubmit(fixture, workers, "kill");
            long killed = System.currentTimeMillis();
            run.owner.process.destroyForcibly(); // SIGKILL: no hook, no commit, no leave
            assertTrue(run.owner.process.waitFor(30, TimeUnit.SECONDS));

            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("case", "kill -9");
            long worstRedone = 0;
            long worstBound = 0;
            double recovery = 0;
            for (String job : run.jobs) {
                List<JobEvent> events = fixture.awaitTerminal(job, TIMEOUT);
                Map<Long, JobEvent> stream = JobResumeTest.deduplicated(events);
                assertEquals(LongStream.rangeClosed(0, 10L * STEPS_PER_LEVEL + 1).boxed().toList(),
                        new ArrayList<>(stream.keySet()), job + ": one ordered stream, one terminal event");
                assertInstanceOf(JobEvent.Done.class, stream.get(10L * STEPS_PER_LEVEL + 1));
                int second = secondRunIndex(events);
                List<JobEvent> dead = second < 0 ? events.stream().filter(e -> e.at().toEpochMilli() < killed).toList()
                        : events.subList(0, second);
                long firstResumed = second < 0 ? dead.size() : events.get(second).sequence();
                assertTrue(firstResumed > 0, job + " continued from a snapshot, not from step 0");
                // Redone: the dead run's events at or after the resume point. Bound: what the dead worker computed
                // in its last snapshot interval (plus 0.5 s for a snapshot to be stored).
                long redone = dead.stream().filter(e -> e.sequence() >= firstResumed).count();
                Instant last = dead.get(dead.size() - 1).at();
                long bound = dead.stream().filter(e -> !e.at().isBefore(last.minus(INTERVAL.plusMillis(500)))).count();
                assertTrue(redone <= bound, job + ": " + redone + " steps redone, more than one interval's " + bound);
                worstRedone = Math.max(worstRedone, redone);
                worstBound = Math.max(worstBound, bound);
                JobEvent resumedFirst = events.get(dead.size());
                recovery = Math.max(recovery, (resumedFirst.at().toEpochMilli() - killed) / 1000.0);
            }
            assertSameAsUninterrupted(fixture, run);
            figures.put("stepsRedoneWorstJob", worstRedone);
            figures.put("stepsInOneIntervalWorstJob", worstBound);
            figures.put("recoverySeconds", recovery);
            figures.put("snapshotIntervalSeconds", INTERVAL.toMillis() / 1000.0);
            System.out.println("FAULT " + dev.ncsn.model.contract.Contracts.encode(figures));
        }
    }

    @Test
    void sigtermOfAWorkerHandsItsJobsOverWithoutRepeatingAStep(LocalInfrastructure infra) throws Exception {
        try (SamplerFixture fixture = new SamplerFixture(infra, 1); Workers workers = new Workers(fixture)) {
            Run run = startAndSubmit(fixture, workers, "term");
            long stopped = System.currentTimeMillis();
            run.owner.process.destroy(); // SIGTERM: the shutdown hook hands over
            assertTrue(run.owner.process.waitFor(60, TimeUnit.SECONDS), "the worker stopped");
            assertEquals(143, run.owner.process.exitValue(), "ended by SIGTERM after its hook");
            double recovery = 0;
            for (String job : run.jobs) {
                List<JobEvent> events = fixture.awaitTerminal(job, TIMEOUT);
                assertEquals(LongStream.rangeClosed(0, 10L * STEPS_PER_LEVEL + 1).boxed().toList(),
                        events.stream().map(JobEvent::sequence).toList(),
                        job + ": no (level, step) computed twice, none missing");
                assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1));
                for (JobEvent e : events) {
                    if (e.at().toEpochMilli() >= stopped) {
                        recovery = Math.max(recovery, (e.at().toEpochMilli() - stopped) / 1000.0);
                        break;
                    }
                }
            }
            assertSameAsUninterrupted(fixture, run);
            String metrics = run.owner.output().lines().filter(l -> l.startsWith("METRICS ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no METRICS line:\n" + run.owner.output()));
            System.out.println("FAULT {\"case\":\"SIGTERM\",\"firstResumedEventSeconds\":" + recovery
                    + ",\"stoppedWorker\":" + metrics.substring("METRICS ".length()) + "}");
        }
    }

    @Test
    void aWorkerJoiningMidLoadTakesPartitionsWithoutAnyJobRunningTwice(LocalInfrastructure infra) throws Exception {
        try (SamplerFixture fixture = new SamplerFixture(infra, 2); Workers workers = new Workers(fixture)) {
            fixture.publish("v1", 1);
            WorkerProcess a = workers.start("up-a");
            a.awaitReady();
            HotReloadTest.awaitTrue(() -> owners(fixture).size() == 4, "the first worker owns all four partitions");
            // One job on each request partition: whichever partitions move to the new worker, jobs move with them.
            BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            BufferedImage mask = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    image.getRaster().setSample(x, y, 0, (x * 31 + y * 7) % 256);
                    mask.getRaster().setSample(x, y, 0, x >= 4 ? 255 : 0);
                }
            }
            String img = SamplingJobsTest.base64(image);
            String msk = SamplingJobsTest.base64(mask);
            List<String> jobs = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                String gen = keyFor("up-gen-" + p, p, 2);
                String inp = keyFor("up-inp-" + p, p, 2);
                jobs.add(gen);
                jobs.add(inp);
                fixture.generate(gen, params(1, 800 + p, LONG_STEPS_PER_LEVEL, 1));
                fixture.inpaint(inp, params(1, 900 + p, LONG_STEPS_PER_LEVEL, 1), img, msk);
            }
            HotReloadTest.awaitTrue(() -> jobs.stream().allMatch(j -> progress(fixture, j) >= 1), "all jobs running");
            WorkerProcess b = workers.start("up-b");
            b.awaitReady();
            HotReloadTest.awaitTrue(() -> owners(fixture).values().stream().distinct().count() == 2,
                    "the partitions are shared by both workers");
            for (String job : jobs) {
                List<JobEvent> events = fixture.awaitTerminal(job, TIMEOUT);
                assertEquals(LongStream.rangeClosed(0, 10L * LONG_STEPS_PER_LEVEL + 1).boxed().toList(),
                        events.stream().map(JobEvent::sequence).toList(),
                        job + ": never on two workers at once: no event repeated, none missing");
                assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1));
            }
            b.process.destroy(); // its METRICS line says how many jobs it took over
            assertTrue(b.process.waitFor(60, TimeUnit.SECONDS));
            String metrics = b.output().lines().filter(l -> l.startsWith("METRICS ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no METRICS line:\n" + b.output()));
            double moved = ((Number) dev.ncsn.model.contract.Contracts.decode(metrics.substring("METRICS ".length()),
                    Map.class).get("jobsResumed")).doubleValue();
            assertTrue(moved >= 1, "jobs of the moved partitions continued on the new worker from snapshots");
            for (int p = 0; p < 2; p++) { // on the first worker, which owns every partition again
                fixture.generate("ref-gen-" + p, params(1, 800 + p, LONG_STEPS_PER_LEVEL, 1));
                fixture.inpaint("ref-inp-" + p, params(1, 900 + p, LONG_STEPS_PER_LEVEL, 1), img, msk);
            }
            for (int p = 0; p < 2; p++) {
                assertEquals(done(fixture, "ref-gen-" + p).images(), done(fixture, jobs.get(2 * p)).images());
                assertEquals(done(fixture, "ref-inp-" + p).images(), done(fixture, jobs.get(2 * p + 1)).images());
            }
            System.out.println("FAULT {\"case\":\"scale-up\",\"jobs\":" + jobs.size() + ",\"movedJobs\":" + moved
                    + "}");
        }
    }

    private static JobEvent.Done done(SamplerFixture fixture, String job) {
        List<JobEvent> events = fixture.awaitTerminal(job, TIMEOUT);
        return assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1));
    }

    /** A job id starting with prefix that Kafka's default partitioner puts on that partition. */
    private static String keyFor(String prefix, int partition, int partitions) {
        for (int i = 0; ; i++) {
            String key = prefix + "-" + i;
            int p = org.apache.kafka.common.utils.Utils.toPositive(
                    org.apache.kafka.common.utils.Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
            if (p == partition) {
                return key;
            }
        }
    }

    /** Index of the first event whose sequence is not above the one before (the next owner's run), or -1. */
    private static int secondRunIndex(List<JobEvent> events) {
        for (int i = 1; i < events.size(); i++) {
            if (events.get(i).sequence() <= events.get(i - 1).sequence()) {
                return i;
            }
        }
        return -1;
    }

    private record Run(List<String> jobs, WorkerProcess owner, WorkerProcess other) {
    }

    /** Two workers, each owning one request partition; JOBS generation jobs running on one of them, snapshotted. */
    private static Run startAndSubmit(SamplerFixture fixture, Workers workers, String prefix) throws Exception {
        fixture.publish("v1", 1);
        WorkerProcess a = workers.start(prefix + "-a");
        WorkerProcess b = workers.start(prefix + "-b");
        a.awaitReady();
        b.awaitReady();
        String generation = fixture.topics.generationRequests() + "-0";
        HotReloadTest.awaitTrue(() -> owners(fixture).size() == 2 && owners(fixture).containsKey(generation),
                "each worker owns one request partition");
        String ownerId = owners(fixture).get(generation);
        WorkerProcess owner = ownerId.startsWith(a.instance) ? a : b;
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            String job = prefix + "-job-" + i;
            jobs.add(job);
            fixture.generate(job, params(2, 500 + i, STEPS_PER_LEVEL, 1));
        }
        // Mid-job, with a snapshot of every job stored.
        HotReloadTest.awaitTrue(() -> jobs.stream().allMatch(j -> progress(fixture, j) >= 40
                && fixture.store.exists(S3SnapshotStore.key(j))), "every job past step 40 with a snapshot");
        assertTrue(jobs.stream().allMatch(j -> progress(fixture, j) < 10 * STEPS_PER_LEVEL), "still running");
        return new Run(jobs, owner, owner == a ? b : a);
    }

    private static void assertSameAsUninterrupted(SamplerFixture fixture, Run run) {
        for (int i = 0; i < run.jobs.size(); i++) {
            String ref = run.jobs.get(i) + "-reference";
            fixture.generate(ref, params(2, 500 + i, STEPS_PER_LEVEL, 1));
        }
        for (int i = 0; i < run.jobs.size(); i++) {
            List<JobEvent> resumed = fixture.awaitTerminal(run.jobs.get(i), TIMEOUT);
            List<JobEvent> reference = fixture.awaitTerminal(run.jobs.get(i) + "-reference", TIMEOUT);
            JobEvent.Done a = (JobEvent.Done) resumed.get(resumed.size() - 1);
            JobEvent.Done b = assertInstanceOf(JobEvent.Done.class, reference.get(reference.size() - 1));
            assertEquals(b.images(), a.images(), run.jobs.get(i) + ": final images byte-identical to a run without the fault");
        }
    }

    static int progress(SamplerFixture fixture, String job) {
        int done = 0;
        for (JobEvent e : fixture.events(job)) {
            if (e instanceof JobEvent.Frame f) {
                done = Math.max(done, f.completedSteps());
            }
        }
        return done;
    }

    /** Request partition → client id of the member owning it, in the pool's group. */
    static Map<String, String> owners(SamplerFixture fixture) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                fixture.infra.kafkaBootstrapServers()))) {
            String group = "sampler-" + fixture.id;
            Map<String, String> owners = new LinkedHashMap<>();
            for (MemberDescription m : admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS)
                    .get(group).members()) {
                m.assignment().topicPartitions().forEach(tp -> owners.put(tp.toString(), m.clientId()));
            }
            return owners;
        } catch (Exception e) {
            return Map.of();
        }
    }

    /** A sampler worker process and its output file. */
    static final class WorkerProcess {

        final String instance;
        final Process process;
        final Path log;

        WorkerProcess(String instance, Process process, Path log) {
            this.instance = instance;
            this.process = process;
            this.log = log;
        }

        /** The METRICS line it printed at its graceful stop, decoded. */
        Map<?, ?> metrics() {
            String line = output().lines().filter(l -> l.startsWith("METRICS ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no METRICS line:\n" + output()));
            return dev.ncsn.model.contract.Contracts.decode(line.substring("METRICS ".length()), Map.class);
        }

        String output() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        /** Waits until the worker printed this line. */
        void awaitLine(String line, Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (output().lines().noneMatch(line::equals)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("worker " + instance + " did not print " + line + ":\n" + output());
                }
                TopicReader.sleep(50);
            }
        }

        void awaitReady() {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!output().contains("READY " + instance)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("worker " + instance + " did not get ready:\n" + output());
                }
                TopicReader.sleep(50);
            }
        }
    }

    /** Starts worker processes with this JVM's class path; kills any still alive at the end. */
    static final class Workers implements AutoCloseable {

        private final SamplerFixture fixture;
        private final List<WorkerProcess> started = new ArrayList<>();

        Workers(SamplerFixture fixture) {
            this.fixture = fixture;
        }

        WorkerProcess start(String instance) throws IOException {
            return start(instance, fixture.infra.s3Endpoint());
        }

        /** A worker that reaches the store at {@code s3Endpoint} (e.g. through a {@code TcpProxy}). */
        WorkerProcess start(String instance, String s3Endpoint) throws IOException {
            Path log = Files.createTempFile("sampler-" + instance + "-", ".log");
            LocalInfrastructure infra = fixture.infra;
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "-Xss4m", "-Djava.awt.headless=true",
                    "-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));
            for (String p : List.of("ai.djl.offline", "ai.djl.pytorch.graph_optimizer", "ai.djl.pytorch.num_threads",
                    "ai.djl.pytorch.num_interop_threads")) {
                if (System.getProperty(p) != null) {
                    command.add("-D" + p + "=" + System.getProperty(p));
                }
            }
            command.addAll(List.of(SamplerProcessMain.class.getName(), infra.kafkaBootstrapServers(),
                    s3Endpoint, infra.s3AccessKey(), infra.s3SecretKey(), SamplerFixture.BUCKET,
                    fixture.id + ".", "sampler-" + fixture.id, fixture.model, instance,
                    Long.toString(INTERVAL.toMillis())));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            WorkerProcess w = new WorkerProcess(instance, process, log);
            started.add(w);
            return w;
        }

        @Override
        public void close() {
            for (WorkerProcess w : started) {
                if (w.process.isAlive()) {
                    w.process.destroyForcibly();
                    try {
                        w.process.waitFor(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                try {
                    Files.deleteIfExists(w.log);
                } catch (IOException e) {
                    // best effort
                }
            }
        }
    }
}
