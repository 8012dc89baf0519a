package dev.ncsn.sampler.core;

import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.image.ImageDecoder;
import dev.ncsn.model.sampling.Inpainting;
import dev.ncsn.model.sampling.SamplingSpec;

import java.util.Base64;

/**
 * A request that passed every check needing no model: which job, which model, the sampling parameters and, for
 * inpainting, the still-encoded image and mask. {@link #prepare} finishes the checks against the version that
 * will serve it.
 *
 * @param position where the request was read (its offset is committed once the job has a terminal event)
 * @param rawValue the message as received, for the dead-letter topic should the last checks fail
 */
public record JobRequest(String jobId, String model, SamplingParameters parameters, String image, String mask,
                         RecordPosition position, String key, String rawValue) {

    public boolean inpainting() {
        return image != null;
    }

    public int count() {
        return parameters.count();
    }

    /** The sampler's spec and, for inpainting, the decoded observation and mask for this version's input shape. */
    public Prepared prepare(ServedModel served) {
        SamplingSpec spec;
        try {
            // what the request leaves open (T, ε, the final step) is the served version's default
            spec = parameters.toSpec(jobId, served.samplingDefaults());
            // Builds the sampler's plan on this version's levels: a sampler that cannot run on them says why here.
            long work = (long) spec.count() * served.sampler().networkEvaluations(spec);
            if (work > SamplingParameters.MAX_SAMPLE_EVALUATIONS) {
                throw new InvalidRequestException("count × network evaluations must be at most "
                        + SamplingParameters.MAX_SAMPLE_EVALUATIONS + ", got " + work + " with sampler "
                        + spec.sampler().name());
            }
        } catch (InvalidRequestException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage());
        }
        if (!inpainting()) {
            return new Prepared(spec, null);
        }
        int c = served.channels();
        int h = served.height();
        int w = served.width();
        float[] pixels = ImageDecoder.pixels(base64(image, "image"), c, h, w);
        boolean[] generate = ImageDecoder.mask(base64(mask, "mask"), c, h, w);
        return new Prepared(spec, new Inpainting(pixels, generate));
    }

    private static byte[] base64(String value, String what) {
        try {
            return Base64.getMimeDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(what + " is not valid base64: " + e.getMessage());
        }
    }

    /** A request ready to sample. */
    public record Prepared(SamplingSpec spec, Inpainting inpainting) {
    }

    /** Where a Kafka record was read. */
    public record RecordPosition(String topic, int partition, long offset) {
    }

    /** A request that cannot be served, with a sentence saying why. */
    public static final class InvalidRequestException extends IllegalArgumentException {
        public InvalidRequestException(String message) {
            super(message);
        }
    }
}
