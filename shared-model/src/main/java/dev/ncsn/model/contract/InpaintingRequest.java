package dev.ncsn.model.contract;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks for completions of one image. JSON on {@link Topics#INPAINTING_REQUESTS}, keyed by job id; the fields of
 * a {@link GenerationRequest} plus:
 *
 * @param image base64 PNG of the observed image, the model's input size
 * @param mask  base64 PNG of the same size: white = generate, black = keep
 */
public record InpaintingRequest(
        String jobId,
        String model,
        SamplingParameters parameters,
        String image,
        String mask,
        Instant submittedAt) {

    /** Problems with this request that need no model to find; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>(new GenerationRequest(jobId, model, parameters, submittedAt).problems());
        if (image == null || image.isBlank()) {
            problems.add("image is missing");
        }
        if (mask == null || mask.isBlank()) {
            problems.add("mask is missing");
        }
        return problems;
    }
}
