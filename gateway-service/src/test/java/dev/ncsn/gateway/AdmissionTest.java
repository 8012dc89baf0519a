package dev.ncsn.gateway;

import dev.ncsn.gateway.config.GatewaySettings;
import dev.ncsn.gateway.core.Admission;
import dev.ncsn.gateway.core.JobRegistry;
import dev.ncsn.gateway.core.ProblemException;
import dev.ncsn.gateway.core.StreamTokens;
import dev.ncsn.gateway.kafka.Backlog;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** Per-key limits and the backlog limit, without infrastructure; and the stream tokens. */
class AdmissionTest {

    private final Clock clock = Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC);
    private final JobRegistry registry = new JobRegistry(new JobRegistry.Limits(100, 100, Long.MAX_VALUE,
            Duration.ofHours(1), Duration.ofHours(1)), clock);
    private final AtomicLong depth = new AtomicLong();
    private final List<String> refused = new ArrayList<>();

    private Admission admission(int perMinute, int burst, int concurrent) {
        Admission a = new Admission(() -> new Backlog.Snapshot(true, depth.get(), Map.of(), Map.of(), clock.instant()),
                new GatewaySettings.Backlog(5, Duration.ZERO, Duration.ofSeconds(7)),
                new GatewaySettings.KeyLimits(perMinute, burst, concurrent), registry);
        a.onRefused((key, reason) -> refused.add(key + ":" + reason));
        return a;
    }

    private void submit(Admission a, String owner, String id) {
        a.admit(owner);
        registry.onRequest(new JobRegistry.RequestInfo(id, "generation", "m", 1, 1, clock.instant(), "t", 0, 1, owner));
    }

    private static ProblemException refusedWith(int status, Runnable r) {
        ProblemException e = assertThrows(ProblemException.class, r::run);
        assertEquals(status, e.problem().status(), e.problem().toString());
        return e;
    }

    @Test
    void aKeyMayHaveSoManyJobsQueuedOrRunning() {
        Admission a = admission(1000, 1000, 2);
        submit(a, "alice", "a1");
        submit(a, "alice", "a2");
        ProblemException e = refusedWith(429, () -> a.admit("alice"));
        assertEquals("https://ncsn.dev/problems/concurrent-jobs", e.problem().type());
        assertEquals("7", e.headers().get("Retry-After"));
        assertTrue(e.problem().detail().contains("alice has 2 jobs queued or running (the limit is 2)"),
                e.problem().detail());
        a.admit("bob"); // another key is not affected
        a.admit(null);  // nor a caller without a key (an open API)
        assertEquals(List.of("alice:concurrent-jobs"), refused);
    }

    @Test
    void aKeyMaySubmitABurstThenAtItsRate() {
        Admission a = admission(6, 3, 100); // a job every 10 s after a burst of 3
        for (int i = 0; i < 3; i++) {
            a.admit("alice");
        }
        ProblemException e = refusedWith(429, () -> a.admit("alice"));
        assertEquals("https://ncsn.dev/problems/rate-limit", e.problem().type());
        long retry = Long.parseLong(e.headers().get("Retry-After"));
        assertTrue(retry >= 1 && retry <= 10, "Retry-After " + retry);
        a.admit("bob");
        assertEquals(List.of("alice:rate-limit"), refused);
    }

    @Test
    void theBacklogLimitAppliesToEveryone() {
        Admission a = admission(1000, 1000, 100);
        depth.set(5);
        ProblemException e = refusedWith(429, () -> a.admit(null));
        assertEquals("https://ncsn.dev/problems/backlog", e.problem().type());
        assertEquals("7", e.headers().get("Retry-After"));
        refusedWith(429, () -> a.admit("alice"));
        depth.set(4);
        a.admit(null);
        assertEquals(List.of("null:backlog", "alice:backlog"), refused);
    }

    @Test
    void aStreamTokenOpensOnlyItsJobUntilItExpires() {
        byte[] secret = "a secret of the keys file".getBytes();
        StreamTokens tokens = new StreamTokens(secret, Duration.ofMinutes(15), clock);
        String t = tokens.issue("job-1");
        assertTrue(tokens.valid("job-1", t));
        assertFalse(tokens.valid("job-2", t), "another job");
        assertFalse(new StreamTokens("another secret".getBytes(), Duration.ofMinutes(15), clock).valid("job-1", t));
        Clock later = Clock.offset(clock, Duration.ofMinutes(16));
        assertFalse(new StreamTokens(secret, Duration.ofMinutes(15), later).valid("job-1", t), "expired");
        String forged = (clock.instant().getEpochSecond() + 86_400) + t.substring(t.indexOf('.'));
        assertFalse(tokens.valid("job-1", forged), "a later expiry with the old signature");
        for (String bad : new String[] {"", ".", "x.y", "1.", "99999999999999999999999.abc", t + "x"}) {
            assertFalse(tokens.valid("job-1", bad), bad);
        }
    }
}
