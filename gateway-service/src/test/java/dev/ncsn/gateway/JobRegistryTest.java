package dev.ncsn.gateway;

import dev.ncsn.gateway.core.Job;
import dev.ncsn.gateway.core.JobRegistry;
import dev.ncsn.gateway.core.JobStatus;
import dev.ncsn.gateway.core.StreamEvent;
import dev.ncsn.gateway.core.EventData;
import dev.ncsn.model.contract.JobEvent;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The per-replica job state: de-duplication, status, bounded buffers, subscriptions, retention. No infrastructure. */
class JobRegistryTest {

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-11-22T03:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private final MutableClock clock = new MutableClock();

    private JobRegistry registry(int framesPerJob, long maxBytes) {
        return new JobRegistry(new JobRegistry.Limits(framesPerJob, 100, maxBytes, Duration.ofHours(1),
                Duration.ofHours(24)), clock);
    }

    static JobEvent.Frame frame(String job, long seq, int level, int step) {
        return new JobEvent.Frame(job, seq, level, 10, 1.0 / level, step, 2, (level - 1) * 2 + step, 20, "v1",
                "iVBORw0KGgo=", null, Instant.now());
    }

    static JobEvent.Done done(String job, long seq) {
        return new JobEvent.Done(job, seq, "v1", "iVBORw0KGgo=", List.of("iVBORw0KGgo="), Instant.now());
    }

    /** Frames 2 per level (sequence = 2·(level − 1) + step − 1), then done. */
    static List<JobEvent> run(String job, int upTo) {
        List<JobEvent> events = new ArrayList<>();
        for (int s = 0; s < Math.min(upTo, 20); s++) {
            events.add(frame(job, s, s / 2 + 1, s % 2 + 1));
        }
        if (upTo > 20) {
            events.add(done(job, 20));
        }
        return events;
    }

    static List<Long> ids(List<StreamEvent> events) {
        return events.stream().map(StreamEvent::id).toList();
    }

    @Test
    void aReRunAfterAWorkerFailureIsDeduplicatedByJobIdAndSequence() {
        JobRegistry r = registry(1000, Long.MAX_VALUE);
        List<StreamEvent> live = new ArrayList<>();
        r.onRequest(new JobRegistry.RequestInfo("j", "generation", "m", 4, 2, clock.instant(), "t", 0, 7));
        assertTrue(r.get("j").orElseThrow().subscribe(-1, live::add));
        run("j", 8).forEach(r::onEvent);          // the first worker dies after sequence 7
        run("j", 21).forEach(r::onEvent);         // another runs the job again from sequence 0
        run("j", 21).forEach(r::onEvent);         // and a duplicate delivery of everything changes nothing
        assertEquals(java.util.stream.LongStream.rangeClosed(0, 20).boxed().toList(), ids(live));
        assertEquals("done", live.get(20).name());
        Job.Snapshot s = r.get("j").orElseThrow().snapshot();
        assertEquals(JobStatus.DONE, s.status());
        assertEquals(20, s.lastSequence());
        assertEquals(0, r.get("j").orElseThrow().listenerCount(), "listeners are let go after the terminal event");

        List<StreamEvent> late = new ArrayList<>();
        assertFalse(r.get("j").orElseThrow().subscribe(9, late::add), "an ended job registers no listener");
        assertEquals(java.util.stream.LongStream.rangeClosed(10, 20).boxed().toList(), ids(late));
    }

    @Test
    void aStartedJobIsRunningBeforeItsFirstFrameAndItsEtaComesFromTheMeasuredRate() {
        JobRegistry r = registry(1000, Long.MAX_VALUE);
        r.onRequest(new JobRegistry.RequestInfo("j", "generation", "m", 4, 2, clock.instant(), "t", 0, 7));
        assertEquals(JobStatus.QUEUED, r.get("j").orElseThrow().snapshot().status());
        List<StreamEvent> live = new ArrayList<>();
        assertTrue(r.get("j").orElseThrow().subscribe(-1, live::add));

        Instant t0 = Instant.parse("2026-11-22T03:00:05Z");
        r.onEvent(new JobEvent.Started("j", 0, "sampler-7", "v3", 10, 2, 20, 4, 80, t0));
        Job.Snapshot started = r.get("j").orElseThrow().snapshot();
        assertEquals(JobStatus.RUNNING, started.status(), "running from started on, not queued until a frame");
        assertEquals("sampler-7", started.worker());
        assertEquals("v3", started.modelVersion());
        assertEquals(0, started.completedSteps());
        assertEquals(20, started.totalSteps());
        assertEquals(t0, started.startedAt());
        assertNull(started.stepsPerSecond(), "no rate before any step is done");
        assertNull(started.estimatedDoneAt());
        assertEquals(List.of("started"), live.stream().map(StreamEvent::name).toList());
        assertEquals(1, r.get("j").orElseThrow().listenerCount(), "started is not terminal: the stream goes on");

        // 4 of 20 steps in 2 s on the worker's clock: 2 steps/s, 16 steps (8 s) to go after the frame
        JobEvent.Frame f = new JobEvent.Frame("j", 1, 2, 10, 0.5, 2, 2, 4, 20, "v3", "iVBORw0KGgo=", null,
                t0.plusSeconds(2));
        r.onEvent(f);
        Job.Snapshot s = r.get("j").orElseThrow().snapshot();
        assertEquals(2.0, s.stepsPerSecond(), 1e-9);
        assertEquals(t0.plusSeconds(10), s.estimatedDoneAt());

        List<StreamEvent> late = new ArrayList<>();
        assertTrue(r.get("j").orElseThrow().subscribe(-1, late::add));
        assertEquals(List.of(0L, 1L), ids(late), "a late subscriber gets started, then the frames");
        r.onEvent(done("j", 2));
        assertNull(r.get("j").orElseThrow().snapshot().estimatedDoneAt(), "no estimate once the job has ended");
    }

    @Test
    void aReRunsTerminalEventEndsTheJobEvenAtASequenceAlreadySeen() {
        JobRegistry r = registry(1000, Long.MAX_VALUE);
        List<StreamEvent> live = new ArrayList<>();
        r.onRequest(new JobRegistry.RequestInfo("j", "generation", "m", 4, 2, clock.instant(), "t", 0, 7));
        assertTrue(r.get("j").orElseThrow().subscribe(-1, live::add));
        run("j", 8).forEach(r::onEvent);           // the first worker dies after sequence 7
        run("j", 3).forEach(r::onEvent);           // the re-run's first events: duplicates
        r.onEvent(new JobEvent.Cancelled("j", 3, Instant.now())); // and then it is cancelled, at sequence 3
        Job.Snapshot s = r.get("j").orElseThrow().snapshot();
        assertEquals(JobStatus.CANCELLED, s.status(), "the job ends instead of staying running");
        assertEquals(8, s.lastSequence());
        assertEquals(java.util.stream.LongStream.rangeClosed(0, 8).boxed().toList(), ids(live));
        assertEquals("cancelled", live.get(8).name(), "live clients get the terminal event, numbered after the rest");
        r.onEvent(frame("j", 9, 5, 2));
        r.onEvent(new JobEvent.Failed("j", 4, "late", Instant.now()));
        assertEquals(JobStatus.CANCELLED, r.get("j").orElseThrow().snapshot().status(), "one terminal event only");

        List<StreamEvent> resumed = new ArrayList<>();
        assertFalse(r.get("j").orElseThrow().subscribe(7, resumed::add));
        assertEquals(List.of(8L), ids(resumed), "a client resuming after sequence 7 gets the terminal event");
    }

    @Test
    void aRestartedJobSaysSoInItsStreamAndItsProgressStartsAgainOnTheLiveVersion() {
        JobRegistry r = registry(1000, Long.MAX_VALUE);
        r.onRequest(new JobRegistry.RequestInfo("j", "generation", "m", 4, 2, clock.instant(), "t", 0, 7));
        List<StreamEvent> live = new ArrayList<>();
        assertTrue(r.get("j").orElseThrow().subscribe(-1, live::add));
        run("j", 8).forEach(r::onEvent);           // the first worker dies after sequence 7, its snapshot on v1
        Instant t = Instant.parse("2026-11-22T03:01:00Z");
        // The next owner cannot load v1 any more: it restarts on v2, numbered above anything the first run could send.
        r.onEvent(new JobEvent.Restarted("j", 22, "sampler-9", "v2", "v1", 6, "v1 is gone", t));
        Job.Snapshot s = r.get("j").orElseThrow().snapshot();
        assertEquals(JobStatus.RUNNING, s.status());
        assertEquals("v2", s.modelVersion());
        assertEquals("sampler-9", s.worker());
        assertEquals(0, s.completedSteps(), "progress starts again");
        assertEquals(t, s.startedAt(), "and the rate is measured from the restart");
        assertEquals("v1 is gone", s.restartReason());
        JobEvent.Frame first = new JobEvent.Frame("j", 23, 1, 10, 1.0, 1, 2, 1, 20, "v2", "iVBORw0KGgo=", null,
                t.plusSeconds(1));
        r.onEvent(first);
        assertEquals(1.0, r.get("j").orElseThrow().snapshot().stepsPerSecond(), 1e-9);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 22L, 23L), ids(live));
        StreamEvent notice = live.get(8);
        assertEquals("restarted", notice.name());
        assertFalse(notice.terminal(), "the SSE stream goes on after it");
        assertTrue(notice.data().contains("\"previousVersion\":\"v1\"") && notice.data().contains("\"reason\":\"v1 is gone\""),
                notice.data());
        assertEquals(notice.data(), EventData.of(new JobEvent.Restarted("j", 22, "sampler-9", "v2", "v1", 6,
                "v1 is gone", t)).data());

        List<StreamEvent> late = new ArrayList<>();
        assertTrue(r.get("j").orElseThrow().subscribe(-1, late::add));
        assertEquals(ids(live), ids(late), "a late subscriber gets the notice in its place, in sequence order");
        List<StreamEvent> resumed = new ArrayList<>();
        assertTrue(r.get("j").orElseThrow().subscribe(22, resumed::add));
        assertEquals(List.of(23L), ids(resumed), "Last-Event-ID past the notice skips it");
        r.onEvent(new JobEvent.Done("j", 43, "v2", "iVBORw0KGgo=", List.of("iVBORw0KGgo="), t.plusSeconds(9)));
        assertEquals(JobStatus.DONE, r.get("j").orElseThrow().status());
    }

    @Test
    void aClientResumingOnAReplicaThatIsBehindGetsNothingTwice() {
        JobRegistry r = registry(1000, Long.MAX_VALUE);
        run("j", 7).forEach(r::onEvent);           // this replica has read up to sequence 6
        List<StreamEvent> resumed = new ArrayList<>();
        assertTrue(r.get("j").orElseThrow().subscribe(8, resumed::add), "the client saw up to 8 elsewhere");
        assertTrue(resumed.isEmpty());
        run("j", 21).forEach(r::onEvent);          // the replica catches up
        assertEquals(java.util.stream.LongStream.rangeClosed(9, 20).boxed().toList(), ids(resumed));
        r.get("j").orElseThrow().unsubscribe(resumed::add);
    }

    @Test
    void aListenerThatLeftIsNoLongerCalled() {
        JobRegistry r = registry(1000, Long.MAX_VALUE);
        run("j", 2).forEach(r::onEvent);
        List<StreamEvent> got = new ArrayList<>();
        Job.Listener listener = got::add;
        Job job = r.get("j").orElseThrow();
        job.subscribe(-1, listener);
        assertEquals(1, job.listenerCount());
        job.unsubscribe(listener);
        assertEquals(0, job.listenerCount());
        run("j", 5).forEach(r::onEvent);
        assertEquals(List.of(0L, 1L), ids(got));
    }

    @Test
    void statusFollowsTheEvents() {
        JobRegistry r = registry(1000, Long.MAX_VALUE);
        r.onRequest(new JobRegistry.RequestInfo("a", "generation", "m", 1, 2, clock.instant(), "t", 0, 0));
        assertEquals(JobStatus.QUEUED, r.get("a").orElseThrow().status());
        r.onEvent(frame("a", 0, 1, 1));
        Job.Snapshot s = r.get("a").orElseThrow().snapshot();
        assertEquals(JobStatus.RUNNING, s.status());
        assertEquals(1, s.level());
        assertEquals("v1", s.modelVersion());
        r.onEvent(new JobEvent.Failed("a", 1, "image is 5×5 pixels", Instant.now()));
        assertEquals("image is 5×5 pixels", r.get("a").orElseThrow().snapshot().reason());
        r.onEvent(frame("a", 2, 1, 2));
        assertEquals(JobStatus.FAILED, r.get("a").orElseThrow().status(), "nothing after the terminal event");
        r.onEvent(new JobEvent.Cancelled("b", 0, Instant.now()));
        assertEquals(JobStatus.CANCELLED, r.get("b").orElseThrow().status(), "events of unseen requests count");
    }

    @Test
    void theFrameBufferKeepsTheLastFrameOfEachLevelWhenItMustDropFrames() {
        JobRegistry r = registry(12, Long.MAX_VALUE);
        run("j", 20).forEach(r::onEvent);
        List<StreamEvent> buffered = new ArrayList<>();
        r.get("j").orElseThrow().subscribe(-1, buffered::add);
        assertEquals(12, buffered.size());
        // 20 frames, 2 per level, 12 kept: the first frames of the oldest levels went first.
        assertEquals(List.of(1L, 3L, 5L, 7L, 9L, 11L, 13L, 15L, 16L, 17L, 18L, 19L), ids(buffered));
        for (int level = 1; level <= 10; level++) {
            final int l = level;
            assertTrue(buffered.stream().anyMatch(e -> e.level() == l), "level " + l + " still has a frame");
        }
        for (int i = 1; i < buffered.size(); i++) {
            assertTrue(buffered.get(i).id() > buffered.get(i - 1).id(), "still in order");
        }
        assertEquals(19, buffered.get(buffered.size() - 1).id());
    }

    @Test
    void overTheByteBudgetTheLeastRecentlyUpdatedJobsAreThinnedFirst() {
        long oneFrame = EventData.of(frame("old", 0, 1, 1)).bytes();
        JobRegistry r = registry(1000, oneFrame * 35);
        run("old", 20).forEach(r::onEvent);
        clock.advance(Duration.ofSeconds(1));
        run("new", 20).forEach(r::onEvent);
        assertTrue(r.bytes() <= oneFrame * 35 + 100, "within the budget: " + r.bytes());
        List<StreamEvent> old = new ArrayList<>();
        r.get("old").orElseThrow().subscribe(-1, old::add);
        List<StreamEvent> fresh = new ArrayList<>();
        r.get("new").orElseThrow().subscribe(-1, fresh::add);
        assertEquals(10, old.size(), "the older job keeps the last frame of each level");
        assertEquals(20, fresh.size(), "the job being written to keeps everything");
    }

    @Test
    void finishedJobsAreForgottenAfterTheirRetention() {
        JobRegistry r = registry(1000, Long.MAX_VALUE);
        run("finished", 21).forEach(r::onEvent);
        run("running", 5).forEach(r::onEvent);
        clock.advance(Duration.ofMinutes(61));
        r.sweep();
        assertTrue(r.get("finished").isEmpty());
        assertTrue(r.get("running").isPresent(), "a running job stays until the idle retention");
        clock.advance(Duration.ofHours(24));
        r.sweep();
        assertEquals(0, r.size());
        assertEquals(0, r.bytes());
    }

    @Test
    void startedJobsOnAPartitionAreCountedForTheQueuePosition() {
        JobRegistry r = registry(1000, Long.MAX_VALUE);
        for (int i = 0; i < 5; i++) {
            r.onRequest(new JobRegistry.RequestInfo("q" + i, "generation", "m", 1, 2, clock.instant(), "t", 1, 10 + i));
        }
        r.onRequest(new JobRegistry.RequestInfo("other", "generation", "m", 1, 2, clock.instant(), "t", 0, 11));
        r.onEvent(frame("q0", 0, 1, 1));
        r.onEvent(frame("q1", 0, 1, 1));
        r.onEvent(frame("other", 0, 1, 1));
        assertEquals(2, r.startedBetween("t", 1, 10, 14));
        assertEquals(1, r.startedBetween("t", 1, 11, 14));
        assertEquals(0, r.startedBetween("t", 2, 0, 100));
    }
}
