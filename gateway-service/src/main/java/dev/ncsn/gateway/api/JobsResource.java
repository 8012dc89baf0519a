package dev.ncsn.gateway.api;

import dev.ncsn.common.api.Problem;
import dev.ncsn.common.auth.Caller;
import dev.ncsn.gateway.core.GatewayNode;
import dev.ncsn.gateway.core.Job;
import dev.ncsn.gateway.core.JobStatus;
import dev.ncsn.gateway.core.ProblemException;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Jobs over HTTP: submit, watch (status and Server-Sent Events), cancel, fetch the result. Only HTTP lives here:
 * reading bodies and parameters, status codes and headers; what a submission means is {@link
 * dev.ncsn.gateway.core.Submission}'s.
 */
@Path("/v1")
@Tag(name = "jobs")
public class JobsResource {

    @Inject
    GatewayNode node;

    @Inject
    Authentication auth;

    @POST
    @Path("/generations")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a generation job", description = "Samples `count` images with annealed Langevin "
            + "dynamics over all ten noise levels. Answers 202 at once; watch the job at its Location.")
    @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = RequestBodies.Generation.class)))
    @APIResponse(responseCode = "202", description = "queued; Location names the job",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "400", description = "malformed JSON, unknown field or wrong type",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "value out of range or unknown model",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "the samplers are backed up; retry after Retry-After seconds",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response generate(@Parameter(hidden = true) String body, @Context RoutingContext rc) {
        return accepted(node.submission().generation(RequestBodies.generation(body), owner(rc)));
    }

    @POST
    @Path("/inpaintings")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start an inpainting job", description = "Fills the white region of `mask` over `image` "
            + "(both PNGs of the model's input size). Also takes multipart/form-data with the same field names, "
            + "`image` and `mask` as files.")
    @RequestBody(required = true, content = {
            @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = RequestBodies.Inpainting.class))})
    @APIResponse(responseCode = "202", description = "queued; Location names the job",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "400", description = "malformed JSON, unknown field or wrong type",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "value out of range, image or mask of the wrong format or "
            + "size, or unknown model",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", description = "the samplers are backed up",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response inpaint(@Parameter(hidden = true) String body, @Context RoutingContext rc) {
        return inpaint(RequestBodies.inpainting(body), rc);
    }

    @POST
    @Path("/inpaintings")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Response inpaintMultipart(@BeanParam InpaintingForm form, @Context RoutingContext rc) {
        return inpaint(form.toRequest(), rc);
    }

    private Response inpaint(RequestBodies.Inpainting in, RoutingContext rc) {
        return accepted(node.submission().inpainting(in, in.image(), in.mask(), owner(rc)));
    }

    @GET
    @Path("/jobs")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Recent jobs", description = "The jobs this replica knows, most recent first.")
    public JobView.JobList list(@QueryParam("limit") @DefaultValue("20") @Parameter(description = "1 to 200") int limit) {
        if (limit < 1 || limit > 200) {
            throw ProblemException.invalid(List.of("limit must be between 1 and 200, got " + limit));
        }
        List<JobView> views = new ArrayList<>();
        for (Job.Snapshot s : node.registry().recent(limit)) {
            views.add(view(s));
        }
        return new JobView.JobList(views);
    }

    @GET
    @Path("/jobs/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A job's status", description = "Status, level, step, σ, model version, and the queue "
            + "position while queued.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "unknown job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public JobView get(@PathParam("id") String id) {
        return view(node.job(id).snapshot());
    }

    @DELETE
    @Path("/jobs/{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cancel a job", description = "Sends a cancel to the workers; the job ends `cancelled` "
            + "within one Langevin step (its event stream then ends with a `cancelled` event).")
    @APIResponse(responseCode = "202", description = "cancel sent",
            content = @Content(schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "404", description = "unknown job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "the job has already ended",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response cancel(@PathParam("id") String id) {
        return Response.accepted(view(node.submission().cancel(id))).type(MediaType.APPLICATION_JSON).build();
    }

    @GET
    @Path("/jobs/{id}/result.png")
    @Produces("image/png")
    @Operation(summary = "The result", description = "The grid of all samples, or one sample with `sample`.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = "image/png",
            schema = @Schema(type = SchemaType.STRING, format = "binary")))
    @APIResponse(responseCode = "404", description = "unknown job or sample",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "the job is not done",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public Response result(@PathParam("id") String id,
                           @QueryParam("sample") @Parameter(description = "0-based index of one sample") Integer sample,
                           @QueryParam("download") @Parameter(description = "as an attachment") boolean download) {
        Job job = node.job(id);
        JobStatus status = job.status();
        if (status != JobStatus.DONE) {
            String why = switch (status) {
                case QUEUED -> "is queued";
                case RUNNING -> "is still running";
                case FAILED -> "failed: " + job.snapshot().reason();
                default -> "was cancelled";
            };
            throw ProblemException.conflict(id, "job " + id + " has no result: it " + why);
        }
        byte[] png;
        String name;
        if (sample == null) {
            png = job.resultPng();
            name = "ncsn-" + id + ".png";
        } else {
            List<byte[]> samples = job.samplePngs();
            if (sample < 0 || sample >= samples.size()) {
                throw new ProblemException(Problem.of(404, "unknown-sample", "Unknown sample", "sample must be "
                        + "between 0 and " + (samples.size() - 1) + ", got " + sample).withJobId(id));
            }
            png = samples.get(sample);
            name = "ncsn-" + id + "-" + sample + ".png";
        }
        if (png == null) {
            throw ProblemException.conflict(id, "the result of job " + id + " could not be read");
        }
        return Response.ok(png, "image/png")
                .header("Content-Disposition", (download ? "attachment" : "inline") + "; filename=\"" + name + "\"")
                .header("Cache-Control", "private, max-age=3600")
                .build();
    }

    @GET
    @Path("/jobs/{id}/frames")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "The job's frames as Server-Sent Events", description = "Event `frame` for each frame "
            + "(data: JSON with level, sigma, step, modelVersion and image, a PNG data URL), then exactly one of "
            + "`done`, `failed`, `cancelled`, after which the stream ends. Event ids are the job's event sequence "
            + "numbers: reconnecting with Last-Event-ID resumes after that event. A late subscriber first gets the "
            + "buffered frames so far. 204 when Last-Event-ID is already the terminal event.")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS))
    @APIResponse(responseCode = "404", description = "unknown job",
            content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))
    public void frames(@PathParam("id") String id,
                       @HeaderParam("Last-Event-ID") @Parameter(description = "resume after this event")
                       String lastEventId,
                       @QueryParam("lastEventId") @Parameter(description = "the same, for clients that cannot set "
                               + "headers") String lastEventIdParam,
                       @Context SseEventSink sink, @Context Sse sse, @Context HttpServerResponse response) {
        Job job = node.job(id);
        long after = parseLastEventId(lastEventId != null && !lastEventId.isBlank() ? lastEventId : lastEventIdParam);
        long terminal = job.terminalSequence();
        if (terminal >= 0 && after >= terminal) {
            throw new WebApplicationException(Response.noContent().build());
        }
        response.putHeader("Cache-Control", "no-cache");
        response.putHeader("X-Accel-Buffering", "no");
        SseSubscription subscription = new SseSubscription(sink, sse,
                node.settings().buffer().maxQueuedPerClient(), 2_000);
        node.track(subscription);
        subscription.onClose(() -> {
            job.unsubscribe(subscription);
            node.untrack(subscription);
        });
        job.subscribe(after, subscription);
    }

    private static long parseLastEventId(String value) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        try {
            long v = Long.parseLong(value.strip());
            if (v < -1) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("Last-Event-ID must be an event id of this stream (a sequence "
                    + "number), got \"" + value + "\"");
        }
    }

    private JobView view(Job.Snapshot s) {
        return JobView.of(s, node.queuePositions().of(s), auth.tokenFor(s.id()));
    }

    private static String owner(RoutingContext rc) {
        return Authentication.caller(rc).map(Caller::name).orElse(null);
    }

    private Response accepted(Job.Snapshot s) {
        return Response.accepted(view(s)).type(MediaType.APPLICATION_JSON).location(URI.create("/v1/jobs/" + s.id()))
                .build();
    }
}
