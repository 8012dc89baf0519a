package dev.ncsn.sampler.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.sampling.JobState;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The bytes of a {@link JobSnapshot}, as stored:
 * <pre>
 *   8 bytes   magic "NCSNSNAP"
 *   4 bytes   format version (1), big-endian
 *   4 bytes   header length h
 *   h bytes   header, UTF-8 JSON: jobId, model, modelVersion, nextSequence, requestTopic, request, handOver,
 *             worker, takenAt, randomDraws, completedEvaluations, knownSigma, values, inpainting, saved, and
 *             (optional, absent in older snapshots) restartSequence
 *   4·values  x, IEEE 754 float32, little-endian
 *   4·values  the level's noisy observation (only when inpainting is true)
 *   4 bytes   CRC-32C of everything before, big-endian
 * </pre>
 * Floats are raw, not PNG or text: the resume must continue from the exact same bits. A snapshot that fails any
 * check (magic, version, length, checksum) is refused as a whole; the job then starts again from step 0.
 */
public final class JobSnapshotCodec {

    static final byte[] MAGIC = "NCSNSNAP".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT = 2;

    private JobSnapshotCodec() {
    }

    /** The JSON header (every field but the float arrays). */
    record Header(String jobId, String model, String modelVersion, long nextSequence, String requestTopic,
                  String request, boolean handOver, String worker, Instant takenAt, long randomDraws,
                  int completedEvaluations, Double knownSigma, int values, boolean inpainting, boolean saved,
                  Long restartSequence) {
    }

    public static byte[] encode(JobSnapshot s) {
        JobState c = s.chain();
        byte[] header;
        try {
            header = Contracts.json().writeValueAsBytes(new Header(s.jobId(), s.model(), s.modelVersion(),
                    s.nextSequence(), s.requestTopic(), s.request(), s.handOver(), s.worker(), s.takenAt(),
                    c.randomDraws(), c.completedEvaluations(), Double.isNaN(c.knownSigma()) ? null : c.knownSigma(),
                    c.x().length, c.knownNoisy() != null, c.saved() != null,
                    s.restartSequence() < 0 ? null : s.restartSequence()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the snapshot header of " + s.jobId(), e);
        }
        int floats = c.x().length * (1 + (c.knownNoisy() == null ? 0 : 1) + (c.saved() == null ? 0 : 1));
        ByteBuffer out = ByteBuffer.allocate(MAGIC.length + 8 + header.length + 4 * floats + 4);
        out.put(MAGIC).putInt(FORMAT).putInt(header.length).put(header);
        out.order(ByteOrder.LITTLE_ENDIAN);
        out.asFloatBuffer().put(c.x());
        out.position(out.position() + 4 * c.x().length);
        if (c.knownNoisy() != null) {
            out.asFloatBuffer().put(c.knownNoisy());
            out.position(out.position() + 4 * c.knownNoisy().length);
        }
        if (c.saved() != null) {
            out.asFloatBuffer().put(c.saved());
            out.position(out.position() + 4 * c.saved().length);
        }
        out.order(ByteOrder.BIG_ENDIAN);
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        return out.array();
    }

    /** @throws IllegalArgumentException when the bytes are not a whole, intact snapshot of this format */
    public static JobSnapshot decode(byte[] bytes) {
        if (bytes.length < MAGIC.length + 12 || !Arrays.equals(Arrays.copyOf(bytes, MAGIC.length), MAGIC)) {
            throw new IllegalArgumentException("not a job snapshot (no NCSNSNAP magic)");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - 4);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (in.getInt(bytes.length - 4) != (int) crc.getValue()) {
            throw new IllegalArgumentException("job snapshot checksum mismatch (truncated or corrupted)");
        }
        in.position(MAGIC.length);
        int format = in.getInt();
        if (format != FORMAT) {
            throw new IllegalArgumentException("job snapshot format " + format + " is not " + FORMAT);
        }
        int headerLength = in.getInt();
        if (headerLength < 2 || headerLength > bytes.length - in.position() - 4) {
            throw new IllegalArgumentException("job snapshot header length " + headerLength + " is out of range");
        }
        Header h = Contracts.decode(new String(bytes, in.position(), headerLength, StandardCharsets.UTF_8),
                Header.class);
        in.position(in.position() + headerLength);
        long expected = 4L * h.values() * (1 + (h.inpainting() ? 1 : 0) + (h.saved() ? 1 : 0));
        if (h.values() < 1 || in.remaining() - 4 != expected) {
            throw new IllegalArgumentException("job snapshot of " + h.jobId() + " has " + (in.remaining() - 4)
                    + " bytes of samples, its header says " + expected);
        }
        in.order(ByteOrder.LITTLE_ENDIAN);
        float[] x = new float[h.values()];
        in.asFloatBuffer().get(x);
        in.position(in.position() + 4 * x.length);
        float[] known = null;
        if (h.inpainting()) {
            known = new float[h.values()];
            in.asFloatBuffer().get(known);
            in.position(in.position() + 4 * known.length);
        }
        float[] saved = null;
        if (h.saved()) {
            saved = new float[h.values()];
            in.asFloatBuffer().get(saved);
        }
        JobState chain = new JobState(x, known, h.knownSigma() == null ? Double.NaN : h.knownSigma(),
                h.randomDraws(), h.completedEvaluations(), saved);
        return new JobSnapshot(h.jobId(), h.model(), h.modelVersion(), h.nextSequence(), h.requestTopic(),
                h.request(), chain, h.handOver(), h.worker(), h.takenAt(),
                h.restartSequence() == null ? -1 : h.restartSequence());
    }
}
