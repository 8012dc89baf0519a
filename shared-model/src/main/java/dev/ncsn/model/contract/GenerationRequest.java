package dev.ncsn.model.contract;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks for unconditional samples. JSON on {@link Topics#GENERATION_REQUESTS}, keyed by job id:
 * <pre>{"jobId":"…","model":"fashion-mnist","parameters":{"count":16,"seed":42,"sampler":"annealed-langevin",
 *  "stepsPerLevel":100,"stepSize":4.0E-5,"frameEvery":10},"submittedAt":"2026-…Z"}</pre>
 *
 * @param jobId       unique id chosen by the submitter (the gateway uses a UUID)
 * @param model       model name, or null for the default model; its live version serves the job
 * @param parameters  the sampling fields ({@link SamplingParameters})
 * @param submittedAt when the job was submitted
 */
public record GenerationRequest(String jobId, String model, SamplingParameters parameters, Instant submittedAt) {

    /**
     * The longest job id: the gateway's are UUIDs (36 characters); an id also becomes a record key, an S3 key (the
     * job's snapshot) and a URL path segment, so one from another producer is bounded too.
     */
    public static final int MAX_JOB_ID_LENGTH = 128;

    /** Whether {@code id} may be a job id: not blank, at most {@value #MAX_JOB_ID_LENGTH} characters. */
    public static boolean isJobId(String id) {
        return id != null && !id.isBlank() && id.length() <= MAX_JOB_ID_LENGTH;
    }

    /** Problems with this request, one sentence each; empty when valid. */
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (jobId == null || jobId.isBlank()) {
            problems.add("jobId is missing");
        } else if (jobId.length() > MAX_JOB_ID_LENGTH) {
            problems.add("jobId must be at most " + MAX_JOB_ID_LENGTH + " characters, got " + jobId.length());
        }
        if (parameters == null) {
            problems.add("parameters are missing");
        } else {
            problems.addAll(parameters.problems());
        }
        return problems;
    }
}
