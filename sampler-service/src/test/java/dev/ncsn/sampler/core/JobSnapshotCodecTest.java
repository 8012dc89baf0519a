package dev.ncsn.sampler.core;

import dev.ncsn.model.sampling.JobState;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.*;

/** The stored bytes of a job snapshot: exact round trip, and refusal of anything damaged. */
class JobSnapshotCodecTest {

    private static JobSnapshot snapshot(boolean inpainting) {
        float[] x = new float[2 * 64];
        float[] known = inpainting ? new float[x.length] : null;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i) * 1e-3f + (i == 5 ? Float.MIN_VALUE : 0);
            if (known != null) {
                known[i] = -x[i];
            }
        }
        x[7] = -0.0f;
        return new JobSnapshot("job-ü 1", "m", "v1", 37, "t.ncsn.generation-requests", "{\"jobId\":\"job-ü 1\"}",
                new JobState(x, known, 0.25, 123_456_789L, 34, x.clone()), true, "worker-a",
                Instant.parse("2026-12-01T20:00:00.123Z"), inpainting ? 120 : -1);
    }

    @Test
    void aSnapshotComesBackBitForBit() {
        for (boolean inpainting : new boolean[] {false, true}) {
            JobSnapshot s = snapshot(inpainting);
            byte[] bytes = JobSnapshotCodec.encode(s);
            JobSnapshot back = JobSnapshotCodec.decode(bytes);
            assertEquals(s, back);
            for (int i = 0; i < s.chain().x().length; i++) {
                assertEquals(Float.floatToRawIntBits(s.chain().x()[i]), Float.floatToRawIntBits(back.chain().x()[i]));
            }
            // The samples are raw float32s: the size is the samples plus a small header.
            int floats = s.chain().x().length * (inpainting ? 2 : 1);
            assertTrue(bytes.length > 4 * floats && bytes.length < 4 * floats + 1024, "size " + bytes.length);
            // A restart numbers its events above anything the snapshot's run can reach (a bound when unknown).
            assertEquals(inpainting ? 120 : 37 + dev.ncsn.model.contract.SamplingParameters.MAX_SAMPLE_EVALUATIONS + 1L,
                    back.firstSequenceOfARestart());
        }
    }

    @Test
    void aDamagedOrForeignSnapshotIsRefused() {
        byte[] bytes = JobSnapshotCodec.encode(snapshot(true));
        byte[] flipped = bytes.clone();
        flipped[flipped.length / 2] ^= 1;
        assertThrows(IllegalArgumentException.class, () -> JobSnapshotCodec.decode(flipped));
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - 9);
        assertThrows(IllegalArgumentException.class, () -> JobSnapshotCodec.decode(truncated));
        assertThrows(IllegalArgumentException.class, () -> JobSnapshotCodec.decode("{\"jobId\":1}".getBytes()));
    }
}
