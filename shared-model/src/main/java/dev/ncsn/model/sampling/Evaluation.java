package dev.ncsn.model.sampling;

/**
 * One network evaluation of a sampler's plan, and the update that follows it: the score is evaluated at the job's
 * current samples and at {@link #sigma}, then the sampler's update moves the samples from noise level {@link #from}
 * towards {@link #to}.
 *
 * @param level        1-based level of the sampler's grid this evaluation belongs to (frames report it)
 * @param step         1-based step within that level: what {@code stepsPerLevel} counts
 * @param stepsInLevel steps of that level
 * @param sigma        σ the score is evaluated at (a level-indexed network sees the trained level nearest it)
 * @param from         noise level of the samples before the update
 * @param to           noise level of the samples after the update (0: noise-free; Langevin steps stay at σ)
 * @param kind         the sampler's own tag for what this evaluation is for (predictor, corrector, …)
 * @param endsStep     whether this is the last evaluation of its step (frames come only after such ones)
 * @param denoise      whether the update is a noise-free jump x + σ²·s (NCSNv2's final step, walk-jump's jump)
 */
public record Evaluation(
        int level,
        int step,
        int stepsInLevel,
        double sigma,
        double from,
        double to,
        int kind,
        boolean endsStep,
        boolean denoise) {

    /** A Langevin step: evaluated at σ, and the samples stay at σ. */
    public static Evaluation langevin(int level, int step, int stepsInLevel, double sigma) {
        return new Evaluation(level, step, stepsInLevel, sigma, sigma, sigma, 0, true, false);
    }

    /** A step of a reverse-time sampler: evaluated at σ = from, moving the samples to σ = to. */
    public static Evaluation move(int level, int step, int stepsInLevel, double from, double to) {
        return new Evaluation(level, step, stepsInLevel, from, from, to, 0, true, false);
    }

    public Evaluation withKind(int newKind) {
        return new Evaluation(level, step, stepsInLevel, sigma, from, to, newKind, endsStep, denoise);
    }

    /** The same evaluation, not the last of its step: corrector steps before a predictor, Heun's first slope. */
    public Evaluation notEndingStep() {
        return new Evaluation(level, step, stepsInLevel, sigma, from, to, kind, false, denoise);
    }

    public Evaluation asDenoise() {
        return new Evaluation(level, step, stepsInLevel, sigma, from, to, kind, endsStep, true);
    }
}
