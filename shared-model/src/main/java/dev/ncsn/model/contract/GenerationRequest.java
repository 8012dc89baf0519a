package dev.ncsn.model.contract;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks for {@code count} unconditional samples. JSON on {@link Topics#GENERATION_REQUESTS}, keyed by job id:
 * <pre>{"jobId":"…","model":"fashion-mnist","count":16,"seed":42,"stepsPerLevel":100,"stepSize":4.0E-5,
 *  "frameEvery":10,"denoisedPreview":false,"finalDenoise":false,"submittedAt":"2026-…Z"}</pre>
 *
 * @param jobId       unique id chosen by the submitter (the gateway uses a UUID)
 * @param model       model name, or null for the default model; its live version serves the job
 * The sampling fields are those of {@link SamplingParameters}.
 * @param submittedAt when the job was submitted
 */
public record GenerationRequest(
        String jobId,
        String model,
        int count,
        Long seed,
        Integer stepsPerLevel,
        Double stepSize,
        Integer frameEvery,
        Boolean denoisedPreview,
        Boolean finalDenoise,
        Instant submittedAt) {

    public GenerationRequest(String jobId, String model, SamplingParameters p, Instant submittedAt) {
        this(jobId, model, p.count(), p.seed(), p.stepsPerLevel(), p.stepSize(), p.frameEvery(), p.denoisedPreview(),
                p.finalDenoise(), submittedAt);
    }

    /** The sampling fields of this request. */
    @JsonIgnore
    public SamplingParameters parameters() {
        return new SamplingParameters(count, seed, stepsPerLevel, stepSize, frameEvery, denoisedPreview, finalDenoise);
    }

    /** Problems with this request, one sentence each; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (jobId == null || jobId.isBlank()) {
            problems.add("jobId is missing");
        }
        problems.addAll(parameters().problems());
        return problems;
    }
}
