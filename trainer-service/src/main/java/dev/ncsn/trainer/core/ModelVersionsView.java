package dev.ncsn.trainer.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A model's versions with their scores and which one is live ({@code GET /v1/models/{name}/versions}).
 *
 * @param live the live version, null when none
 */
public record ModelVersionsView(String model, String live, List<Version> versions) {

    /**
     * One version.
     *
     * @param metrics    the manifest's metrics (heldOutDsmLoss, trainLoss)
     * @param promoted   the gate's verdict when it was published (null for versions the trainer did not gate)
     * @param comparedWith the live version the gate compared it with
     * @param liveHeldOutDsmLoss that version's score on the same held-out images
     * @param reason     the gate's explanation
     */
    public record Version(String version, long step, Instant createdAt, boolean live, String parent,
                          Map<String, Double> metrics, Double heldOutDsmLoss, Boolean promoted, String comparedWith,
                          Double liveHeldOutDsmLoss, String reason, String run) {
    }
}
