package dev.ncsn.gateway.api;

import dev.ncsn.common.api.Problem;
import dev.ncsn.gateway.core.Json;
import dev.ncsn.gateway.core.ProblemException;
import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.Map;
import java.util.UUID;

/**
 * Every error leaves as {@code application/problem+json}: the gateway's own {@link ProblemException}s, and what
 * the REST layer itself rejects (unknown path, wrong method, wrong content type). Anything else is a bug and
 * becomes a 500 with an id to find it in the log.
 */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return respond(e.problem(), e.headers());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        Response original = e.getResponse();
        int status = original == null ? 500 : original.getStatus();
        if (status < 400) {
            return original; // e.g. 204 for an event stream the client already has in full
        }
        Problem p;
        if (e instanceof NotFoundException) {
            p = Problem.of(404, "not-found", "Not found", "nothing at " + uri.getPath());
        } else if (e instanceof NotAllowedException) {
            p = Problem.of(405, "method-not-allowed", "Method not allowed",
                    "this method is not allowed on " + uri.getPath() + "; allowed: "
                            + (original.getAllowedMethods().isEmpty() ? "see the API reference" : original.getAllowedMethods()));
        } else if (e instanceof NotSupportedException) {
            p = Problem.of(415, "unsupported-media-type", "Unsupported media type",
                    "this endpoint takes Content-Type application/json"
                            + (uri.getPath().endsWith("/inpaintings") ? " or multipart/form-data" : ""));
        } else {
            String reason = original.getStatusInfo().getReasonPhrase();
            p = Problem.of(status, "http-" + status, reason, e.getMessage() == null ? reason : e.getMessage());
        }
        Response.ResponseBuilder b = Response.status(status).type(Problem.MEDIA_TYPE).entity(Json.write(p));
        if (original != null && original.getHeaderString("Allow") != null) {
            b.header("Allow", original.getHeaderString("Allow"));
        }
        return b.build();
    }

    @ServerExceptionMapper
    public Response json(JsonProcessingException e) {
        return respond(ProblemException.badRequest("malformed JSON: " + e.getOriginalMessage()).problem(), Map.of());
    }

    /** A body that ends early or breaks its multipart framing: the client's doing, found by the fuzz suite. */
    @ServerExceptionMapper
    public Response unreadable(java.io.IOException e) {
        return respond(ProblemException.badRequest("the request body could not be read: " + e.getMessage()).problem(),
                Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        if (e instanceof IllegalArgumentException && e.getMessage() != null
                && e.getMessage().startsWith("Failed to parse media type")) {
            // Quarkus REST's content negotiation on a Content-Type that is not a media type at all.
            return respond(Problem.of(415, "unsupported-media-type", "Unsupported media type", "the Content-Type "
                    + "header is not a media type; this endpoint takes application/json (or multipart/form-data for "
                    + "inpainting)"), Map.of());
        }
        String id = UUID.randomUUID().toString();
        LOG.errorf(e, "unexpected error %s", id);
        return respond(Problem.of(500, "internal-error", "Internal error",
                "the gateway failed unexpectedly; the log has the details under " + id), Map.of());
    }

    static Response respond(Problem p, Map<String, String> headers) {
        Response.ResponseBuilder b = Response.status(p.status()).type(Problem.MEDIA_TYPE).entity(Json.write(p));
        headers.forEach(b::header);
        return b.build();
    }
}
