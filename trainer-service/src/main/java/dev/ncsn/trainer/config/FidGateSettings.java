package dev.ncsn.trainer.config;

import dev.ncsn.model.sampling.Samplers;
import dev.ncsn.model.sampling.SamplingSpec;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The promotion gate's optional FID condition ({@code ncsn.trainer.gate.fid.*}): a candidate is promoted only when the
 * FID of a fixed small sample of it is not worse than the live version's on the same draw, beside the held-out DSM
 * condition. Both models are sampled with the same sampler settings from the same seeds, and scored against the same
 * held-out images in the features of the classifier (shared-model's quality meter).
 *
 * @param enabled       whether the condition applies; off by default (it costs {@code samples} samples per model)
 * @param classifier    the feature classifier's directory (the project's: {@code models/fashion-mnist-classifier});
 *                      required when enabled
 * @param samples       images drawn from each model
 * @param batchSize     images sampled together
 * @param seed          the first batch's seed (batch k: seed + k)
 * @param sampler       the sampler's name, with its default options
 * @param stepsPerLevel T of that sampler: small, so a check stays cheap
 * @param stepSize      ε of Algorithm 1
 * @param finalDenoise  the final denoising step, or null for each model's family default
 * @param tolerance     relative: 0.05 lets a candidate's FID be up to 5 % above the live version's
 * @param referenceSize held-out images (at most) the samples are compared with
 */
public record FidGateSettings(boolean enabled, Path classifier, int samples, int batchSize, long seed, String sampler,
                              int stepsPerLevel, double stepSize, Boolean finalDenoise, double tolerance,
                              int referenceSize) {

    public FidGateSettings {
        if (enabled) {
            Objects.requireNonNull(classifier, "ncsn.trainer.gate.fid.classifier must name the feature classifier's "
                    + "directory when the FID gate is enabled");
        }
        if (samples < 2 || batchSize < 1 || stepsPerLevel < 1 || referenceSize < 2) {
            throw new IllegalArgumentException("the FID gate needs at least 2 samples and 2 reference images, a "
                    + "positive batch and at least one step per level");
        }
        if (!(tolerance >= 0)) {
            throw new IllegalArgumentException("FID gate tolerance must be non-negative, got " + tolerance);
        }
        if (!(stepSize > 0)) {
            throw new IllegalArgumentException("FID gate step size must be positive, got " + stepSize);
        }
        Samplers.create(sampler, null); // an unknown name fails here, at start-up
    }

    /** Off: the gate compares held-out DSM losses only. */
    public static FidGateSettings disabled() {
        return new FidGateSettings(false, null, 200, 100, 0, Samplers.DEFAULT, 2, SamplingSpec.REFERENCE_EPSILON,
                null, 0.0, 1000);
    }

    /** On, with this classifier and these sizes, the other settings as {@link #disabled()}'s. */
    public static FidGateSettings of(Path classifier, int samples, int stepsPerLevel, double tolerance) {
        FidGateSettings d = disabled();
        return new FidGateSettings(true, classifier, samples, d.batchSize(), d.seed(), d.sampler(), stepsPerLevel,
                d.stepSize(), null, tolerance, d.referenceSize());
    }
}
