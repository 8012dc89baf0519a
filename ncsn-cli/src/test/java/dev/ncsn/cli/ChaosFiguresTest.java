package dev.ncsn.cli;

import dev.ncsn.model.contract.JobEvent;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** What `ncsn chaos` reads off a job's events and a worker's metrics. No infrastructure. */
class ChaosFiguresTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static JobEvent.Frame frame(long seq, int completed, Instant at) {
        return new JobEvent.Frame("j", seq, 1, 10, 1.0, completed, 20, completed, 20, "v1", "png", null, at);
    }

    @Test
    void aKilledWorkersJobIsReadAsRepeatedStepsAndARecoveryTime() {
        List<JobEvent> events = new ArrayList<>();
        events.add(new JobEvent.Started("j", 0, "w1", "v1", 10, 2, 20, 1, 20, T0));
        for (int s = 1; s <= 8; s++) {
            events.add(frame(s, s, T0.plusSeconds(s)));           // the first worker, killed after step 8 at t0+8.5
        }
        for (int s = 6; s <= 20; s++) {
            events.add(frame(s, s, T0.plusSeconds(20 + s)));      // the next owner resumes from a snapshot at step 5
        }
        events.add(new JobEvent.Done("j", 21, "v1", "png", List.of("png"), T0.plusSeconds(41)));
        JobStream j = new JobStream("j", events);
        assertTrue(j.done());
        assertEquals("w1", j.startedBy().orElseThrow());
        assertEquals(20, j.totalSteps());
        assertEquals(20, j.completedSteps());
        assertEquals(3, j.repeatedFrames(), "steps 6, 7 and 8 computed twice");
        Instant kill = T0.plusMillis(8500);
        assertFalse(j.endedBefore(kill));
        assertEquals(Duration.ofMillis(17500), j.firstEventAfter(kill).orElseThrow());
        assertTrue(j.endedBefore(T0.plusSeconds(42)));
        assertTrue(new JobStream("k", List.of()).terminal().isEmpty());
    }

    @Test
    void sumsComeOutOfThePrometheusText() {
        String text = """
                # HELP ncsn_sampler_snapshot_size_bytes bytes per stored job snapshot
                # TYPE ncsn_sampler_snapshot_size_bytes summary
                ncsn_sampler_snapshot_size_bytes_count 12.0
                ncsn_sampler_snapshot_size_bytes_sum 606720.0
                ncsn_sampler_snapshot_size_bytes_max 50560.0
                ncsn_sampler_jobs_resumed_total{from="restart"} 1.0
                ncsn_sampler_jobs_resumed_total{from="snapshot"} 3.0
                ncsn_sampler_langevin_steps_total 400.0
                ncsn_sampler_langevin_steps_per_second 7.5
                """;
        assertEquals(12, PrometheusText.sum(text, "ncsn_sampler_snapshot_size_bytes_count", ""));
        assertEquals(606720, PrometheusText.sum(text, "ncsn_sampler_snapshot_size_bytes_sum", ""));
        assertEquals(3, PrometheusText.sum(text, "ncsn_sampler_jobs_resumed_total", "from=\"snapshot\""));
        assertEquals(4, PrometheusText.sum(text, "ncsn_sampler_jobs_resumed_total", ""));
        assertEquals(400, PrometheusText.sum(text, "ncsn_sampler_langevin_steps_total", ""),
                "not mixed up with a metric whose name continues");
        assertEquals(0, PrometheusText.sum(text, "ncsn_sampler_nothing", ""));
    }
}
