package dev.ncsn.sampler.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.JobEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.LongStream;

import static dev.ncsn.sampler.core.SamplerFixture.params;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Two workers of one pool in one JVM: a job whose worker dies, or stops gracefully, is continued by the other
 * from its snapshot, with the sequence numbers continuing and the final images identical to an uninterrupted
 * run of the same seed. (The same with separate worker processes and kill -9 / SIGTERM: {@code SamplerProcessFaultTest}.)
 */
@ExtendWith(InfrastructureExtension.class)
class JobResumeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final int STEPS = 50; // 5 steps × 10 levels, a frame every step: done is event 50

    @Test
    void aJobWhoseWorkerDiesContinuesFromItsLastSnapshotOnAnotherWorker(LocalInfrastructure infra) throws Exception {
        try (SamplerFixture fixture = new SamplerFixture(infra, 1)) {
            fixture.publish("v1", 1);
            Pair pair = pair(fixture);
            AtomicReference<SamplerFixture.TestNode> owner = new AtomicReference<>();
            CountDownLatch midJob = new CountDownLatch(1);
            CountDownLatch crashing = new CountDownLatch(1);
            for (SamplerFixture.TestNode node : List.of(pair.a, pair.b)) {
                node.sinks().hook(e -> {
                    if (!e.jobId().equals("resumed") || !(e instanceof JobEvent.Frame)) {
                        return;
                    }
                    owner.compareAndSet(null, node);
                    pause(15); // slow steps, so that snapshots fall between them
                    if (e.sequence() == 30 && owner.get() == node && midJob.getCount() > 0) {
                        midJob.countDown();
                        await(crashing);
                    }
                });
            }
            fixture.generate("resumed", params(2, 99, 5, 1));
            assertTrue(midJob.await(60, TimeUnit.SECONDS), "the job reached step 31");
            SamplerFixture.TestNode dying = owner.get();
            SamplerFixture.TestNode other = dying == pair.a ? pair.b : pair.a;
            HotReloadTest.awaitTrue(() -> dying.node().metrics().snapshotsWritten() >= 1, "a snapshot is stored");
            assertTrue(fixture.store.exists(S3SnapshotStore.key("resumed")));
            crashing.countDown();
            dying.node().crash();

            List<JobEvent> events = fixture.awaitTerminal("resumed", TIMEOUT);
            assertEquals(1, other.node().metrics().jobsResumed("snapshot"), "continued from the snapshot");
            Map<Long, JobEvent> stream = deduplicated(events);
            assertEquals(LongStream.rangeClosed(0, STEPS + 1).boxed().toList(), new ArrayList<>(stream.keySet()),
                    "one ordered stream without gaps");
            JobEvent.Done done = assertInstanceOf(JobEvent.Done.class, stream.get((long) STEPS + 1));
            // The resumed run started where the snapshot was, not at step 0, and repeated at most the steps made
            // after it (all here within the time the dead worker was held).
            long firstResumed = firstOfSecondRun(events);
            assertTrue(firstResumed > 0 && firstResumed <= 31, "resumed at event " + firstResumed);

            assertSameAsUninterrupted(fixture, stream, done);
            HotReloadTest.awaitTrue(() -> !fixture.store.exists(S3SnapshotStore.key("resumed")),
                    "the snapshot is removed when the job ends");
        }
    }

    @Test
    void aWorkerThatStopsGracefullyHandsItsJobOverWithoutRepeatingAStep(LocalInfrastructure infra) throws Exception {
        try (SamplerFixture fixture = new SamplerFixture(infra, 1)) {
            fixture.publish("v1", 1);
            Pair pair = pair(fixture);
            AtomicReference<SamplerFixture.TestNode> owner = new AtomicReference<>();
            CountDownLatch midJob = new CountDownLatch(1);
            for (SamplerFixture.TestNode node : List.of(pair.a, pair.b)) {
                node.sinks().hook(e -> {
                    if (e.jobId().equals("handed") && e instanceof JobEvent.Frame) {
                        owner.compareAndSet(null, node);
                        pause(15);
                        if (e.sequence() == 20) {
                            midJob.countDown();
                        }
                    }
                });
            }
            fixture.generate("handed", params(2, 99, 5, 1));
            assertTrue(midJob.await(60, TimeUnit.SECONDS), "the job reached step 21");
            SamplerFixture.TestNode stopping = owner.get();
            SamplerFixture.TestNode other = stopping == pair.a ? pair.b : pair.a;
            stopping.node().close();

            List<JobEvent> events = fixture.awaitTerminal("handed", TIMEOUT);
            assertEquals(1, other.node().metrics().jobsResumed("snapshot"));
            List<Long> sequences = events.stream().map(JobEvent::sequence).toList();
            assertEquals(LongStream.rangeClosed(0, STEPS + 1).boxed().toList(), sequences,
                    "every step computed once: no event repeated, none missing");
            assertSameAsUninterrupted(fixture, deduplicated(events), (JobEvent.Done) events.get(STEPS + 1));
        }
    }

    /**
     * The job's worker dies after a snapshot on v1; meanwhile v2 became live and v1 was deleted. The next owner cannot
     * continue on v1: it restarts the job from step 0 on v2 and says so with a {@code restarted} event, numbered above
     * anything the dead run could have sent, so consumers that drop seen sequences do not drop it; the result is a run
     * of v2 with the job's seed.
     */
    @Test
    void aJobWhoseSnapshotVersionIsGoneRestartsOnTheLiveVersionAndSaysSo(LocalInfrastructure infra) throws Exception {
        try (SamplerFixture fixture = new SamplerFixture(infra, 1)) {
            fixture.publish("v1", 1);
            Pair pair = pair(fixture);
            AtomicReference<SamplerFixture.TestNode> owner = new AtomicReference<>();
            CountDownLatch midJob = new CountDownLatch(1);
            CountDownLatch crashing = new CountDownLatch(1);
            for (SamplerFixture.TestNode node : List.of(pair.a, pair.b)) {
                node.sinks().hook(e -> {
                    if (!e.jobId().equals("orphan") || !(e instanceof JobEvent.Frame)) {
                        return;
                    }
                    owner.compareAndSet(null, node);
                    pause(15);
                    if (e.sequence() == 30 && owner.get() == node && midJob.getCount() > 0) {
                        midJob.countDown();
                        await(crashing);
                    }
                });
            }
            fixture.generate("orphan", params(2, 77, 5, 1));
            assertTrue(midJob.await(60, TimeUnit.SECONDS), "the job reached step 31");
            SamplerFixture.TestNode dying = owner.get();
            SamplerFixture.TestNode other = dying == pair.a ? pair.b : pair.a;
            HotReloadTest.awaitTrue(() -> dying.node().metrics().snapshotsWritten() >= 1, "a snapshot is stored");
            // The trainer moves on and retention deletes v1 while the job's worker is down.
            TestModels.putVersion(fixture.store, fixture.model, "v2", 2);
            TestModels.setLive(fixture.store, fixture.model, "v2");
            assertEquals(ModelReloader.Status.LOADED,
                    other.node().reloader().reconcileNow(fixture.model).get(60, TimeUnit.SECONDS).status());
            fixture.store.deleteVersion(fixture.model, "v1");
            crashing.countDown();
            dying.node().crash();

            List<JobEvent> events = fixture.awaitTerminal("orphan", TIMEOUT);
            assertEquals(1, other.node().metrics().jobsResumed("restart"));
            List<JobEvent.Restarted> notices = events.stream().filter(e -> e instanceof JobEvent.Restarted)
                    .map(e -> (JobEvent.Restarted) e).toList();
            assertEquals(1, notices.size(), "one restarted event: " + events);
            JobEvent.Restarted notice = notices.get(0);
            assertEquals("v2", notice.modelVersion());
            assertEquals("v1", notice.previousVersion());
            assertTrue(notice.previousCompletedSteps() > 0 && notice.previousCompletedSteps() <= 31,
                    "the snapshot's step: " + notice.previousCompletedSteps());
            assertTrue(notice.reason().contains("v1") && notice.reason().contains("v2"), notice.reason());
            long deadRunMax = events.stream().filter(e -> e.at().isBefore(notice.at())).mapToLong(JobEvent::sequence)
                    .max().orElseThrow();
            assertTrue(notice.sequence() > deadRunMax, "numbered above the dead run's " + deadRunMax);

            // What a consumer that drops seen sequences keeps: the dead run's events, the notice, the new run.
            Map<Long, JobEvent> stream = deduplicated(events);
            assertSame(notice, stream.get(notice.sequence()), "the notice is not taken for a duplicate");
            List<JobEvent> after = stream.values().stream().filter(e -> e.sequence() > notice.sequence()).toList();
            assertEquals(STEPS + 1, after.size(), "a whole run after the notice: 50 frames and done");
            assertEquals(LongStream.rangeClosed(notice.sequence() + 1, notice.sequence() + STEPS + 1).boxed().toList(),
                    after.stream().map(JobEvent::sequence).toList(), "gapless after the notice");
            JobEvent.Frame first = assertInstanceOf(JobEvent.Frame.class, after.get(0));
            assertEquals(1, first.completedSteps(), "from step 0 again");
            assertTrue(after.stream().filter(e -> e instanceof JobEvent.Frame)
                    .allMatch(e -> "v2".equals(((JobEvent.Frame) e).modelVersion())));
            JobEvent.Done done = assertInstanceOf(JobEvent.Done.class, after.get(after.size() - 1));
            assertEquals("v2", done.modelVersion());
            fixture.generate("orphan-reference", params(2, 77, 5, 1)); // v2 is live: the run the job became
            List<JobEvent> reference = fixture.awaitTerminal("orphan-reference", TIMEOUT);
            assertEquals(((JobEvent.Done) reference.get(reference.size() - 1)).images(), done.images(),
                    "the result of a run of the job's seed on the live version");
        }
    }

    /** The same seed and parameters, uninterrupted, give the same frames and the same final images. */
    private static void assertSameAsUninterrupted(SamplerFixture fixture, Map<Long, JobEvent> stream,
                                                  JobEvent.Done done) {
        fixture.generate("reference", params(2, 99, 5, 1));
        List<JobEvent> reference = fixture.awaitTerminal("reference", TIMEOUT);
        JobEvent.Done refDone = assertInstanceOf(JobEvent.Done.class, reference.get(reference.size() - 1));
        assertEquals(refDone.images(), done.images(), "final images byte-identical");
        assertEquals(refDone.image(), done.image());
        for (JobEvent e : reference) {
            if (e instanceof JobEvent.Frame f) {
                JobEvent.Frame mine = (JobEvent.Frame) stream.get(f.sequence());
                assertEquals(f.completedSteps(), mine.completedSteps());
                assertEquals(f.image(), mine.image(), "frame " + f.sequence());
            }
        }
    }

    /** Consumers' view: the first event of each sequence number, in order. */
    static Map<Long, JobEvent> deduplicated(List<JobEvent> events) {
        Map<Long, JobEvent> bySequence = new LinkedHashMap<>();
        for (JobEvent e : events) {
            JobEvent first = bySequence.putIfAbsent(e.sequence(), e);
            if (first instanceof JobEvent.Frame f) {
                assertEquals(f.image(), ((JobEvent.Frame) e).image(), "a repeated event is identical");
            }
        }
        return new java.util.TreeMap<>(bySequence);
    }

    /** The sequence of the first event after the sequence numbers went back (the resumed run), or -1. */
    static long firstOfSecondRun(List<JobEvent> events) {
        for (int i = 1; i < events.size(); i++) {
            if (events.get(i).sequence() <= events.get(i - 1).sequence()) {
                return events.get(i).sequence();
            }
        }
        return -1;
    }

    private record Pair(SamplerFixture.TestNode a, SamplerFixture.TestNode b) {
    }

    private static Pair pair(SamplerFixture fixture) {
        SamplerFixture.TestNode a = fixture.node("worker-a", s -> s.withSnapshotInterval(Duration.ofMillis(150)));
        SamplerFixture.TestNode b = fixture.node("worker-b", s -> s.withSnapshotInterval(Duration.ofMillis(150)));
        SamplerFixture.awaitReady(a.node(), TIMEOUT);
        SamplerFixture.awaitReady(b.node(), TIMEOUT);
        HotReloadTest.awaitTrue(() -> a.node().assignment().size() == 1 && b.node().assignment().size() == 1,
                "each worker owns one request partition");
        return new Pair(a, b);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
