package dev.ncsn.gateway.core;

import dev.ncsn.model.contract.SamplingParameters;

/** The sampling fields of a generation or inpainting request as the client sent them (null: not given). */
public interface SamplingInput {

    Integer count();

    Long seed();

    /** A sampler name (dev.ncsn.model.sampling.Samplers); null: annealed-langevin. */
    String sampler();

    /** The sampler's own options by name; null: its defaults. */
    java.util.Map<String, Object> samplerOptions();

    Integer stepsPerLevel();

    Integer levels();

    Double stepSize();

    Integer frameEvery();

    Boolean denoisedPreview();

    Boolean finalDenoise();

    String model();

    default SamplingParameters parameters() {
        return withCount(count() == null ? 0 : count());
    }

    /** The parameters with this count (the one definition both request types embed). */
    default SamplingParameters withCount(int count) {
        return new SamplingParameters(count, seed(), sampler(), samplerOptions(), stepsPerLevel(), stepSize(),
                levels(), frameEvery(), denoisedPreview(), finalDenoise());
    }
}
