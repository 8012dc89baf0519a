package dev.ncsn.trainer.core;

import dev.ncsn.model.store.Bucket;
import dev.ncsn.trainer.store.StateSync;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs in the bucket:
 * <pre>
 *   runs/RUN/run.json      the {@link RunRecord}
 *   runs/RUN/loss-seg-NNN.csv   each segment's loss history up to its last checkpoint ({@link LossHistory})
 *   runs/RUN/state/…       training state ({@link StateSync})
 * </pre>
 */
public final class RunRegistry {

    private static final Logger LOG = Logger.getLogger(RunRegistry.class);
    public static final String ROOT = "runs/";

    private final Bucket bucket;

    public RunRegistry(Bucket bucket) {
        this.bucket = bucket;
    }

    public static String prefix(String runId) {
        return ROOT + runId + "/";
    }

    public void save(RunRecord record) {
        bucket.put(prefix(record.id()) + "run.json", TrainerJson.bytes(record.copy()), "application/json");
    }

    public Optional<RunRecord> load(String runId) {
        return bucket.get(prefix(runId) + "run.json").map(b -> TrainerJson.read(b, RunRecord.class));
    }

    public boolean exists(String runId) {
        return bucket.exists(prefix(runId) + "run.json");
    }

    /** Every run with a readable record, oldest first. Unreadable records are logged and skipped. */
    public List<RunRecord> list() {
        List<RunRecord> out = new ArrayList<>();
        for (String child : bucket.children(ROOT)) {
            String id = child.substring(ROOT.length(), child.length() - 1);
            try {
                load(id).ifPresent(out::add);
            } catch (RuntimeException e) {
                LOG.warnf("skipping run %s: its record cannot be read: %s", id, e.getMessage());
            }
        }
        out.sort(java.util.Comparator.comparing(RunRecord::createdAt));
        return out;
    }

    private static String lossKey(String runId, int segment) {
        return prefix(runId) + String.format("loss-seg-%03d.csv", segment);
    }

    public void saveLoss(String runId, int segment, LossHistory history) {
        bucket.put(lossKey(runId, segment), history.toCsv().getBytes(StandardCharsets.UTF_8), "text/csv");
    }

    public LossHistory loadLoss(String runId, int segment, int every) {
        return bucket.get(lossKey(runId, segment))
                .map(b -> LossHistory.fromCsv(new String(b, StandardCharsets.UTF_8), every))
                .orElseGet(() -> new LossHistory(every));
    }
}
