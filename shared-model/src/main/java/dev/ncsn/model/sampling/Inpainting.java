package dev.ncsn.model.sampling;

/**
 * An inpainting task: one observed sample and a mask. Every sample of the job is a completion of it.
 *
 * @param observation the observed sample, flattened (C·H·W values)
 * @param generate    per value: true where the sampler generates, false where the observation is kept
 */
public record Inpainting(float[] observation, boolean[] generate) {

    public Inpainting {
        if (observation.length != generate.length) {
            throw new IllegalArgumentException("observation has " + observation.length
                    + " values but the mask has " + generate.length);
        }
        observation = observation.clone();
        generate = generate.clone();
    }

    public int size() {
        return observation.length;
    }

    public boolean generates(int index) {
        return generate[index];
    }

    public float observed(int index) {
        return observation[index];
    }
}
