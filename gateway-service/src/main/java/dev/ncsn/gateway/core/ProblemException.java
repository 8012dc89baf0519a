package dev.ncsn.gateway.core;

import dev.ncsn.common.api.Problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Ends a request with a problem response; thrown by the resources, turned into a response by {@link ProblemMappers}. */
public final class ProblemException extends RuntimeException {

    private final transient Problem problem;
    private final Map<String, String> headers;

    public ProblemException(Problem problem) {
        this(problem, Map.of());
    }

    public ProblemException(Problem problem, Map<String, String> headers) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
        this.headers = Map.copyOf(headers);
    }

    public Problem problem() {
        return problem;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** 400: the body cannot be read at all (malformed JSON, unknown field, wrong type, wrong multipart part). */
    public static ProblemException badRequest(String detail) {
        return new ProblemException(Problem.of(400, "malformed-request", "Malformed request", detail));
    }

    /** 422: the body was read, but values are out of range, images do not fit, or the model is unknown. */
    public static ProblemException invalid(List<String> errors) {
        return new ProblemException(Problem.of(422, "invalid-request", "Invalid request", String.join("; ", errors))
                .withErrors(errors.size() > 1 ? errors : null));
    }

    public static ProblemException unknownModel(String detail) {
        return new ProblemException(Problem.of(422, "unknown-model", "Unknown model", detail));
    }

    public static ProblemException unknownJob(String id) {
        return new ProblemException(Problem.of(404, "unknown-job", "Unknown job",
                "no job " + id + " is known (finished jobs are forgotten after a while)").withJobId(id));
    }

    public static ProblemException conflict(String id, String detail) {
        return new ProblemException(Problem.of(409, "job-state", "Not possible in the job's state", detail)
                .withJobId(id));
    }

    public static ProblemException unavailable(String detail, long retryAfterSeconds) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Retry-After", Long.toString(retryAfterSeconds));
        return new ProblemException(Problem.of(503, "unavailable", "Service unavailable", detail), h);
    }
}
