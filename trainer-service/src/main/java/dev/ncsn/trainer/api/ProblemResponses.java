package dev.ncsn.trainer.api;

import dev.ncsn.common.api.Problem;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.trainer.core.InvalidRunException;
import dev.ncsn.trainer.core.RunConflictException;
import dev.ncsn.trainer.core.UnknownRunException;
import dev.ncsn.trainer.data.DataRoots;
import dev.ncsn.trainer.data.DatasetCatalog;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Errors as RFC 9457 problem details (services-common's {@link Problem}, {@code application/problem+json}):
 * <pre>
 * {"type":"https://ncsn.dev/problems/invalid-run","title":"Invalid run request","status":400,
 *  "detail":"steps must be between 1 and 100000000, got 0","instance":"/v1/runs"}
 * </pre>
 * 400 invalid request, 403 a local data path outside the data roots, 404 unknown run or model, 409 conflict with a
 * run's state, 422 data that does not exist,
 * 503 store unreachable, 500 anything else.
 */
public class ProblemResponses {

    private static final Logger LOG = Logger.getLogger(ProblemResponses.class);

    private static Response problem(int status, String slug, String title, String detail, UriInfo uri) {
        Problem problem = Problem.of(status, slug, title, detail);
        if (uri != null) {
            problem = problem.withInstance("/" + uri.getPath().replaceFirst("^/", ""));
        }
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(problem).build();
    }

    @ServerExceptionMapper
    public Response invalid(InvalidRunException e, UriInfo uri) {
        return problem(400, "invalid-run", "Invalid run request", e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response unknownData(DatasetCatalog.UnknownDataException e, UriInfo uri) {
        return problem(422, "unknown-data", "The request names data or a model version that does not exist",
                e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response forbiddenPath(DataRoots.ForbiddenDataPathException e, UriInfo uri) {
        return problem(403, "forbidden-data-path", "The data path is outside the trainer's data roots",
                e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response unknownRun(UnknownRunException e, UriInfo uri) {
        return problem(404, "not-found", "Not found", e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response conflict(RunConflictException e, UriInfo uri) {
        return problem(409, "conflict", "Conflicts with the run's state", e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response store(ModelStore.StoreException e, UriInfo uri) {
        LOG.warnf("store error on %s: %s", uri.getPath(), e.getMessage());
        return problem(503, "store-unavailable", "The S3 store cannot be reached", e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        Response.StatusType type = Response.Status.fromStatusCode(status);
        return problem(status, "http-" + status, type == null ? "HTTP " + status : type.getReasonPhrase(),
                e.getMessage(), uri);
    }

    @ServerExceptionMapper
    public Response unexpected(RuntimeException e, UriInfo uri) {
        if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("shutting down")) {
            return problem(503, "shutting-down", "The trainer is shutting down", e.getMessage(), uri);
        }
        LOG.errorf(e, "unexpected error on %s", uri.getPath());
        return problem(500, "internal", "Internal error", e.toString(), uri);
    }
}
