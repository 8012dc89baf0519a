package dev.ncsn.sampler.kafka;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which request offset may be committed while jobs finish in any order. */
class PartitionProgressTest {

    @Test
    void partitionProgressCommitsOnlyPastFinishedJobs() {
        PartitionProgress p = new PartitionProgress();
        assertEquals(-1, p.committable(), "nothing read");
        p.started(10);
        p.started(11);
        p.started(12);
        assertEquals(10, p.committable(), "10 is still running: a restart resumes at 10");
        p.committed(10);
        assertEquals(-1, p.committable());
        p.finished(11);
        assertEquals(-1, p.committable(), "11 finished before 10: still nothing");
        p.finished(10);
        assertEquals(12, p.committable(), "10 and 11 done, 12 running");
        p.committed(12);
        assertEquals(-1, p.committable());
        p.finished(12);
        assertEquals(13, p.committable());
    }
}
