package dev.ncsn.trainer.config;

/**
 * The promotion gate's parameters ({@code ncsn.trainer.gate.*}).
 *
 * @param tolerance   relative: 0.02 lets a candidate be up to 2 % worse than the live version
 * @param heldOutSize images scored (at most; fewer if the held-out set is smaller)
 * @param seed        of the fixed noise
 * @param batchSize   images per forward pass while scoring
 * @param fid         the optional FID condition beside the held-out DSM loss
 */
public record GateSettings(double tolerance, int heldOutSize, long seed, int batchSize, FidGateSettings fid) {

    public GateSettings {
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("gate tolerance must be non-negative, got " + tolerance);
        }
        if (heldOutSize < 1 || batchSize < 1) {
            throw new IllegalArgumentException("held-out size and batch size must be positive");
        }
        java.util.Objects.requireNonNull(fid, "fid");
    }

    /** The held-out DSM loss alone (no FID condition). */
    public GateSettings(double tolerance, int heldOutSize, long seed, int batchSize) {
        this(tolerance, heldOutSize, seed, batchSize, FidGateSettings.disabled());
    }

    public GateSettings withFid(FidGateSettings newFid) {
        return new GateSettings(tolerance, heldOutSize, seed, batchSize, newFid);
    }
}
