package dev.ncsn.trainer.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ncsn.trainer.core.PromotionGate.Decision;

import java.time.Instant;

/**
 * A version's {@code evaluation.json}: the gate's score and verdict with what they were computed on. The trainer
 * writes it with each candidate, and the versions list reads it back.
 *
 * @param data                   the segment's training data
 * @param heldOut                where the held-out images came from
 * @param heldOutImages          how many were scored
 * @param noiseSeed              the seed of the fixed perturbation
 * @param heldOutDsmLossPerLevel the score per noise level, level 0 (largest σ) first
 * @param trainLoss              the smoothed training loss; absent right after a resume (no step timed yet)
 * @param comparedWith           the live version compared with; null when there was none
 * @param liveHeldOutDsmLoss     its score on the same images and noise; null when not compared
 * @param tolerance              the gate's relative tolerance
 * @param fid                    the candidate's FID on the gate's fixed sample (FID gate on, DSM condition passed)
 * @param liveFid                the live version's FID on the same draw, when compared
 */
public record Evaluation(String model, String version, String run, int segment, long step, String data,
                         String heldOut, int heldOutImages, long noiseSeed, double heldOutDsmLoss,
                         double[] heldOutDsmLossPerLevel,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Double trainLoss,
                         boolean promoted,
                         @JsonInclude(JsonInclude.Include.ALWAYS) String comparedWith,
                         @JsonInclude(JsonInclude.Include.ALWAYS) Double liveHeldOutDsmLoss,
                         double tolerance, String reason, Instant evaluatedAt,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Double fid,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Double liveFid) {

    /** The evaluation of a candidate of {@code record}'s run at {@code step}, from the gate's decision. */
    static Evaluation of(RunRecord record, RunRecord.Segment segment, long step, String version, Decision d,
                         double trainLoss) {
        return new Evaluation(record.spec().model(), version, record.id(), segment.index(), step,
                segment.data().toString(), d.heldOut(), d.images(), d.seed(), d.heldOutDsmLoss(), d.perLevel(),
                Double.isFinite(trainLoss) ? trainLoss : null, d.promote(), d.liveVersion(), d.liveScore(),
                d.tolerance(), d.reason(), Instant.now(), d.fid(), d.liveFid());
    }
}
