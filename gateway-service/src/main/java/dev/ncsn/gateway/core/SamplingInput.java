package dev.ncsn.gateway.core;

import dev.ncsn.model.contract.SamplingParameters;

/** The sampling fields of a generation or inpainting request as the client sent them (null: not given). */
public interface SamplingInput {

    Integer count();

    Long seed();

    Integer stepsPerLevel();

    Double stepSize();

    Integer frameEvery();

    Boolean denoisedPreview();

    Boolean finalDenoise();

    String model();

    default SamplingParameters parameters() {
        return new SamplingParameters(count() == null ? 0 : count(), seed(), stepsPerLevel(), stepSize(),
                frameEvery(), denoisedPreview(), finalDenoise());
    }
}
