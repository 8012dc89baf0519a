package dev.ncsn.model.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.train.NoGrad;
import org.apache.commons.math3.special.Erf;

import java.util.List;
import java.util.Locale;

/**
 * A noise schedule designed from the training data by NCSNv2's rules (Song &amp; Ermon 2020, section 3):
 * <ul>
 *   <li>Technique 1, σ1: the largest Euclidean distance between two training images ({@link #farthestPair});</li>
 *   <li>Technique 2, the number of levels: a geometric progression whose ratio γ = σ_{i−1}/σ_i makes
 *       C(γ) = Φ(√(2D)(γ−1) + 3γ) − Φ(√(2D)(γ−1) − 3γ) ≈ 0.5 for the data's dimension D ({@link #coverage},
 *       {@link #ratioFor}, {@link #levelsFor});</li>
 *   <li>Technique 4, ε for a chosen T: the ε that brings the paper's eq. 6, the variance after T Langevin steps at a
 *       level relative to σ_i² when starting from the previous level's, closest to 1 ({@link #varianceRatio},
 *       {@link #epsilonFor}).</li>
 * </ul>
 *
 * <p>Conventions. Pixels are in [0, 1], as everywhere in this project (the reference's σ1 = 50 for CIFAR-10 is on the
 * same scale). NCSNv2 writes the Langevin step as x + α·s + √(2α)·z with α = ε·σ_i²/σ_L², NCSN (and this project's
 * samplers, {@code stepSize} and {@code --step-size}) as x + (α/2)·s + √α·z: the same update with this project's ε
 * twice NCSNv2's. {@link #epsilonFor} is in NCSNv2's convention (the reference's {@code step_lr}); {@link Design}
 * carries both.
 */
public final class ScheduleDesigner {

    /** The coverage Technique 2 asks for: C(γ) ≈ 0.5. */
    public static final double PAPER_COVERAGE = 0.5;
    /** NCSNv2 keeps NCSN's smallest level. */
    public static final double PAPER_SIGMA_MIN = 0.01;
    /** The T that ε is designed for unless told otherwise: the reference's CIFAR-10 and CelebA setting. */
    public static final int REFERENCE_STEPS_PER_LEVEL = 5;

    /** Images per side of one block of the pairwise-distance computation: 2048² distances at a time (16 MB). */
    private static final int BLOCK = 2048;

    private ScheduleDesigner() {
    }

    /** Two training images and their Euclidean distance. */
    public record FarthestPair(int first, int second, double distance) {
    }

    /**
     * A designed schedule with the value of every rule.
     *
     * @param images          training images the distances were taken over
     * @param dimension       D = C·H·W
     * @param farthest        Technique 1: the farthest pair; σ1 is its distance
     * @param coverageTarget  Technique 2's target C
     * @param ratioForTarget  the largest γ with C(γ) ≥ the target
     * @param schedule        σ1 = the farthest distance, σL, and the levels Technique 2 gives for them
     * @param ratio           the schedule's own γ = (σ1/σL)^(1/(L−1)), at most ratioForTarget
     * @param coverage        C at the schedule's γ
     * @param stepsPerLevel   T
     * @param epsilonNcsnv2   Technique 4's ε in NCSNv2's convention (the reference code's step_lr)
     * @param stepSize        the same ε in this project's convention (2 · epsilonNcsnv2): what --step-size takes
     * @param varianceRatio   eq. 6's value at that ε (1 would be perfect)
     */
    public record Design(int images, int dimension, FarthestPair farthest, double coverageTarget,
                         double ratioForTarget, NoiseSchedule schedule, double ratio, double coverage,
                         int stepsPerLevel, double epsilonNcsnv2, double stepSize, double varianceRatio) {

        /** One line per rule with its value, as {@code ncsn schedule} prints them and the trainers log them. */
        public List<String> describe() {
            NoiseSchedule s = schedule;
            return List.of(
                    String.format(Locale.ROOT, "Technique 1  σ1 = %.4f: the largest distance between two training "
                            + "images (images %d and %d of %d)", s.sigmaMax(), farthest.first(), farthest.second(),
                            images),
                    String.format(Locale.ROOT, "Technique 2  L = %d levels from σ1 = %.4f to σL = %s for D = %d: "
                                    + "γ = %.6f gives C = %.4f (target %.3g needs γ ≤ %.6f)", s.levels(), s.sigmaMax(),
                            s.sigmaMin(), dimension, ratio, coverage, coverageTarget, ratioForTarget),
                    String.format(Locale.ROOT, "Technique 4  ε = %.3g for T = %d (NCSNv2's convention, the "
                                    + "reference's step_lr): eq. 6 = %.4f; as this project's --step-size / stepSize: "
                                    + "%.3g", epsilonNcsnv2, stepsPerLevel, varianceRatio, stepSize));
        }
    }

    /**
     * The paper's design for data: σL = {@value #PAPER_SIGMA_MIN}, coverage {@value #PAPER_COVERAGE}, ε for T =
     * {@value #REFERENCE_STEPS_PER_LEVEL}. What a new training run of a family that designs its schedule gets.
     */
    public static Design design(Dataset data) {
        return design(data, PAPER_SIGMA_MIN, PAPER_COVERAGE, REFERENCE_STEPS_PER_LEVEL);
    }

    /**
     * Designs a schedule for data: σ1 from the farthest pair, σL = {@code sigmaMin}, L from Technique 2 at the given
     * coverage, ε from Technique 4 for T = {@code stepsPerLevel}.
     */
    public static Design design(Dataset data, double sigmaMin, double coverage, int stepsPerLevel) {
        FarthestPair farthest = farthestPair(data);
        return design(data.size(), data.valuesPerImage(), farthest, sigmaMin, coverage, stepsPerLevel);
    }

    /** {@link #design(Dataset, double, double, int)} with σ1 already known (e.g. from an earlier run). */
    public static Design design(int images, int dimension, FarthestPair farthest, double sigmaMin, double coverage,
                                int stepsPerLevel) {
        double sigmaMax = farthest.distance();
        if (!(sigmaMax > sigmaMin)) {
            throw new IllegalArgumentException("the largest distance between two images, " + sigmaMax
                    + ", is not above σL = " + sigmaMin + ": the data set has no two different images");
        }
        double gammaTarget = ratioFor(dimension, coverage);
        int levels = levelsFor(sigmaMax, sigmaMin, dimension, coverage);
        NoiseSchedule schedule = new NoiseSchedule(sigmaMax, sigmaMin, levels);
        double gamma = Math.pow(sigmaMax / sigmaMin, 1.0 / (levels - 1));
        double epsilon = epsilonFor(gamma, stepsPerLevel, sigmaMin);
        return new Design(images, dimension, farthest, coverage, gammaTarget, schedule, gamma,
                coverage(gamma, dimension), stepsPerLevel, epsilon, 2 * epsilon,
                varianceRatio(epsilon, gamma, stepsPerLevel, sigmaMin));
    }

    // ------------------------------------------------------------------------------------------- Technique 1

    /**
     * The two images farthest apart, by exhaustive search over all pairs: squared distances ‖a‖² + ‖b‖² − 2a·b in
     * float32 blocks of matrix products (on DJL's engine), the winning pair's distance then recomputed exactly in
     * double. Rounding in the blocks can only confuse pairs within about 10⁻⁵ of each other in distance, which makes
     * no difference to a schedule. For 60,000 images of 784 pixels this is about 3·10¹² operations.
     */
    public static FarthestPair farthestPair(Dataset data) {
        int n = data.size();
        if (n < 2) {
            throw new IllegalArgumentException("σ1 needs at least two training images, the data set has " + n);
        }
        int d = data.valuesPerImage();
        float[] all = new float[Math.multiplyExact(n, d)];
        for (int i = 0; i < n; i++) {
            data.copy(i, all, i * d);
        }
        int bestI = 0;
        int bestJ = 1;
        float best = -1;
        try (NDManager manager = NDManager.newBaseManager(); NoGrad ignored = NoGrad.enter()) {
            NDArray x = manager.create(all, new Shape(n, d));
            NDArray norms = x.square().sum(new int[] {1});
            for (int i0 = 0; i0 < n; i0 += BLOCK) {
                int i1 = Math.min(n, i0 + BLOCK);
                for (int j0 = i0; j0 < n; j0 += BLOCK) {
                    int j1 = Math.min(n, j0 + BLOCK);
                    try (NDManager block = manager.newSubManager()) {
                        // everything of the block, and what is derived from it, closes with the block
                        NDArray a = inBlock(x.get(new NDIndex(i0 + ":" + i1)), block);
                        NDArray b = inBlock(x.get(new NDIndex(j0 + ":" + j1)), block);
                        NDArray na = inBlock(norms.get(new NDIndex(i0 + ":" + i1)), block).reshape(-1, 1);
                        NDArray nb = inBlock(norms.get(new NDIndex(j0 + ":" + j1)), block).reshape(1, -1);
                        NDArray squared = a.matMul(b.transpose()).muli(-2f).addi(na).addi(nb);
                        NDArray flat = squared.reshape(-1);
                        long at = flat.argMax().toType(DataType.INT64, false).getLong();
                        float value = flat.getFloat(at);
                        if (value > best) {
                            best = value;
                            bestI = i0 + (int) (at / (j1 - j0));
                            bestJ = j0 + (int) (at % (j1 - j0));
                        }
                    }
                }
            }
        }
        double sum = 0;
        for (int k = 0; k < d; k++) {
            double diff = (double) all[bestI * d + k] - all[bestJ * d + k];
            sum += diff * diff;
        }
        return new FarthestPair(Math.min(bestI, bestJ), Math.max(bestI, bestJ), Math.sqrt(sum));
    }

    private static NDArray inBlock(NDArray a, NDManager block) {
        a.attach(block);
        return a;
    }

    // ------------------------------------------------------------------------------------------- Technique 2

    /**
     * C(γ) = Φ(√(2D)(γ−1) + 3γ) − Φ(√(2D)(γ−1) − 3γ): for x ~ N(0, σ_i²I) in D dimensions, ‖x‖ is about
     * N(√D·σ_i, σ_i²/2), and C is the probability that it falls within three standard deviations of where the norm of
     * the previous, γ times larger level concentrates: how well level i−1 prepares the start of level i.
     */
    public static double coverage(double gamma, int dimension) {
        double shift = Math.sqrt(2.0 * dimension) * (gamma - 1);
        return phi(shift + 3 * gamma) - phi(shift - 3 * gamma);
    }

    /** The largest ratio γ with C(γ) ≥ target (C falls as γ grows), by bisection to double precision. */
    public static double ratioFor(int dimension, double target) {
        if (dimension < 1) {
            throw new IllegalArgumentException("the data dimension must be positive, got " + dimension);
        }
        if (!(target > 0) || !(target < coverage(1.0, dimension))) {
            throw new IllegalArgumentException("the coverage target must lie in (0, " + coverage(1.0, dimension)
                    + "), got " + target);
        }
        double lo = 1.0;
        double hi = 2.0;
        while (coverage(hi, dimension) >= target) {
            hi *= 2;
        }
        for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
            double mid = 0.5 * (lo + hi);
            if (coverage(mid, dimension) >= target) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /**
     * The fewest levels from σ1 down to σL whose geometric ratio meets the coverage target:
     * L = ⌈1 + ln(σ1/σL)/ln γ⌉ with γ = {@link #ratioFor}.
     */
    public static int levelsFor(double sigmaMax, double sigmaMin, int dimension, double target) {
        if (!(sigmaMin > 0) || !(sigmaMax > sigmaMin)) {
            throw new IllegalArgumentException("need σ1 > σL > 0, got σ1 = " + sigmaMax + ", σL = " + sigmaMin);
        }
        double gamma = ratioFor(dimension, target);
        double steps = Math.log(sigmaMax / sigmaMin) / Math.log(gamma);
        // a hair of tolerance, so that a ratio met exactly does not cost a level through rounding
        return Math.max(2, (int) Math.ceil(1 + steps - 1e-9));
    }

    // ------------------------------------------------------------------------------------------- Technique 4

    /**
     * The paper's eq. 6: s_T²/σ_i² after T Langevin steps at level i with step α = ε·σ_i²/σ_L² (NCSNv2's convention)
     * on N(0, σ_i²I), starting from the previous level's variance γ²σ_i²:
     * (1 − ε/σ_L²)^{2T}·(γ² − 2ε/(σ_L² − σ_L²(1 − ε/σ_L²)²)) + 2ε/(σ_L² − σ_L²(1 − ε/σ_L²)²).
     */
    public static double varianceRatio(double epsilon, double gamma, int steps, double sigmaMin) {
        double s2 = sigmaMin * sigmaMin;
        double a = 1 - epsilon / s2;
        double stationary = 2 * epsilon / (s2 - s2 * a * a);
        return Math.pow(a, 2.0 * steps) * (gamma * gamma - stationary) + stationary;
    }

    /**
     * Technique 4: the ε in (0, σ_L²) that brings {@link #varianceRatio} closest to 1 for T steps per level, by a
     * golden-section search on log ε (the ratio falls from γ² as ε grows from 0, then rises again).
     */
    public static double epsilonFor(double gamma, int steps, double sigmaMin) {
        if (steps < 1) {
            throw new IllegalArgumentException("T must be at least 1, got " + steps);
        }
        if (!(gamma > 1)) {
            throw new IllegalArgumentException("the levels' ratio γ must exceed 1, got " + gamma);
        }
        double s2 = sigmaMin * sigmaMin;
        double lo = Math.log(s2 * 1e-12);
        double hi = Math.log(s2 * (1 - 1e-12));
        double g = (Math.sqrt(5) - 1) / 2;
        double c = hi - g * (hi - lo);
        double d = lo + g * (hi - lo);
        for (int i = 0; i < 300; i++) {
            if (distanceFromOne(Math.exp(c), gamma, steps, sigmaMin) < distanceFromOne(Math.exp(d), gamma, steps,
                    sigmaMin)) {
                hi = d;
            } else {
                lo = c;
            }
            c = hi - g * (hi - lo);
            d = lo + g * (hi - lo);
        }
        return Math.exp(0.5 * (lo + hi));
    }

    /**
     * Technique 4's ε for T steps per level on an existing geometric schedule (its own γ and σ_L), in this project's
     * convention (Algorithm 1's, twice NCSNv2's): what a model trained on a designed schedule samples with.
     */
    public static double stepSizeFor(NoiseSchedule schedule, int steps) {
        if (schedule.levels() < 2) {
            throw new IllegalArgumentException("a schedule of one level has no ratio γ");
        }
        double gamma = Math.pow(schedule.sigmaMax() / schedule.sigmaMin(), 1.0 / (schedule.levels() - 1));
        return 2 * epsilonFor(gamma, steps, schedule.sigmaMin());
    }

    private static double distanceFromOne(double epsilon, double gamma, int steps, double sigmaMin) {
        return Math.abs(varianceRatio(epsilon, gamma, steps, sigmaMin) - 1);
    }

    // ------------------------------------------------------------------------------------------- Φ

    /** The standard normal CDF, Φ(x) = ½·erfc(−x/√2) (Commons Math's erfc, exact to double precision). */
    static double phi(double x) {
        return 0.5 * Erf.erfc(-x / Math.sqrt(2));
    }
}
