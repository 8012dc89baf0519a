package dev.ncsn.trainer.core;

import dev.ncsn.trainer.data.DatasetRef;

import java.time.Instant;
import java.util.List;

/**
 * A run as the API shows it: its record plus live progress.
 *
 * @param targetStep     the current segment's last step
 * @param loss           the last step's training loss (null when not training on this trainer)
 * @param smoothedLoss   its moving average
 * @param stepsPerSecond over the last 30 s
 * @param etaSeconds     time left for the segment at that rate
 * @param lastVersion    the run's newest candidate
 */
public record RunView(String id, String model, RunStatus status, long step, long targetStep, int segment,
                      DatasetRef data, Double loss, Double smoothedLoss, Double stepsPerSecond, Double etaSeconds,
                      String lastVersion, int candidates, int promoted, String error, RunSpec spec,
                      List<RunRecord.Segment> segments, List<RunRecord.Candidate> versions, Instant createdAt,
                      Instant updatedAt) {

    static RunView of(RunRecord r, ProgressMeter.Snapshot p) {
        RunRecord.Segment s = r.segment();
        List<RunRecord.Candidate> cs = r.candidates();
        boolean live = p != null && r.status().isActive();
        return new RunView(r.id(), r.spec().model(), r.status(), r.step(), s.endStep(), s.index(), s.data(),
                live ? finite(p.loss()) : null, live ? finite(p.smoothedLoss()) : null,
                live ? finite(p.stepsPerSecond()) : null, live ? finite(p.etaSeconds()) : null,
                cs.isEmpty() ? null : cs.get(cs.size() - 1).version(), cs.size(),
                (int) cs.stream().filter(RunRecord.Candidate::promoted).count(), r.error(), r.spec(), r.segments(),
                cs, r.createdAt(), r.updatedAt());
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
