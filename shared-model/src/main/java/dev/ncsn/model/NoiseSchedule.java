package dev.ncsn.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Arrays;

/**
 * The noise levels σ1 > σ2 > … > σL of the paper, in geometric progression.
 *
 * <p>Levels are addressed by a 0-based index {@code i} in code (index 0 is σ1, the largest); messages
 * and user-facing text number them 1..L as the paper does.
 */
public record NoiseSchedule(
        @JsonProperty("sigmaMax") double sigmaMax,
        @JsonProperty("sigmaMin") double sigmaMin,
        @JsonProperty("levels") int levels) {

    /** The paper's image schedule: σ1 = 1, σ10 = 0.01, pixels in [0, 1]. */
    public static final NoiseSchedule IMAGES = new NoiseSchedule(1.0, 0.01, 10);

    /** The schedule of the paper's toy experiment (reference code: geomspace from 20 to 1, 10 levels). */
    public static final NoiseSchedule TOY = new NoiseSchedule(20.0, 1.0, 10);

    /**
     * The image schedule for a level count: {@link #IMAGES} for its 10 levels, otherwise a geometric schedule over
     * the same σ range (σ1 alone for one level). What a network gets when no schedule is given.
     */
    public static NoiseSchedule images(int levels) {
        if (levels == IMAGES.levels()) {
            return IMAGES;
        }
        if (levels == 1) {
            return new NoiseSchedule(IMAGES.sigmaMax(), IMAGES.sigmaMax(), 1);
        }
        return new NoiseSchedule(IMAGES.sigmaMax(), IMAGES.sigmaMin(), levels);
    }

    @JsonCreator
    public NoiseSchedule {
        if (!(sigmaMax > 0) || !(sigmaMin > 0) || Double.isInfinite(sigmaMax)) {
            throw new IllegalArgumentException("noise levels must be positive and finite, got σmax=" + sigmaMax + ", σmin=" + sigmaMin);
        }
        if (levels < 1) {
            throw new IllegalArgumentException("a noise schedule needs at least one level, got " + levels);
        }
        if (levels > 1 && !(sigmaMax > sigmaMin)) {
            throw new IllegalArgumentException("σmax must exceed σmin, got σmax=" + sigmaMax + ", σmin=" + sigmaMin);
        }
        if (levels == 1 && sigmaMax != sigmaMin) {
            throw new IllegalArgumentException("a one-level schedule needs σmax == σmin");
        }
    }

    /** σ at a 0-based level index: σ_max·(σ_min/σ_max)^(i/(L−1)). */
    public double sigma(int index) {
        if (index < 0 || index >= levels) {
            throw new IndexOutOfBoundsException("level index " + index + " outside 0.." + (levels - 1));
        }
        if (levels == 1) {
            return sigmaMax;
        }
        if (index == levels - 1) {
            return sigmaMin; // exact end point, not pow's rounding of it
        }
        return sigmaMax * Math.pow(sigmaMin / sigmaMax, (double) index / (levels - 1));
    }

    /** All σ, largest first. */
    @JsonIgnore
    public double[] sigmas() {
        double[] s = new double[levels];
        for (int i = 0; i < levels; i++) {
            s[i] = sigma(i);
        }
        return s;
    }

    /**
     * The 0-based index of the level nearest σ on the log scale (the levels are geometric, so this rounds the
     * fractional index, as score_sde rounds a continuous time to its nearest discrete level); σ outside
     * [σmin, σmax] maps to the end level.
     */
    public int nearestLevel(double sigma) {
        if (levels == 1 || !(sigma > 0)) {
            return levels == 1 || sigma > 0 ? 0 : levels - 1;
        }
        double position = Math.log(sigmaMax / sigma) / Math.log(sigmaMax / sigmaMin) * (levels - 1);
        return (int) Math.max(0, Math.min(levels - 1, Math.round(position)));
    }

    /** Algorithm 1's step size α_i = ε·σ_i²/σ_L². */
    public double stepSize(int index, double epsilon) {
        double ratio = sigma(index) / sigmaMin;
        return epsilon * ratio * ratio;
    }

    @Override
    public String toString() {
        return "NoiseSchedule" + Arrays.toString(sigmas());
    }
}
