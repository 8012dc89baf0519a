package dev.ncsn.gateway;

import dev.ncsn.model.contract.CancelRequest;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.InpaintingRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
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
import org.jboss.resteasy.reactive.server.multipart.FormValue;
import org.jboss.resteasy.reactive.server.multipart.MultipartFormDataInput;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Jobs: submit, watch (status and Server-Sent Events), cancel, fetch the result. */
@Path("/v1")
@Tag(name = "jobs")
public class JobsResource {

    private static final Set<String> INPAINTING_FIELDS = Set.of("count", "seed", "stepsPerLevel", "stepSize",
            "frameEvery", "denoisedPreview", "finalDenoise", "model", "image", "mask");

    @Inject
    Gateway gateway;

    @Inject
    RequestPublisher publisher;

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
    public Response generate(@Parameter(hidden = true) String body) {
        RequestBodies.Generation g = RequestBodies.generation(body);
        List<String> problems = RequestBodies.problems(g);
        if (!problems.isEmpty()) {
            throw ProblemException.invalid(problems);
        }
        ModelCatalog.LiveModel model = gateway.catalog().resolve(g.model());
        admit();
        Instant now = gateway.clock().instant();
        String id = UUID.randomUUID().toString();
        RequestPublisher.Position at = publisher.send(new GenerationRequest(id, model.model(), g.parameters(), now));
        return accepted(id, "generation", model, g, now, at);
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
    public Response inpaint(@Parameter(hidden = true) String body) {
        return inpaint(RequestBodies.inpainting(body));
    }

    @POST
    @Path("/inpaintings")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(hidden = true)
    public Response inpaintMultipart(MultipartFormDataInput form) {
        return inpaint(fromMultipart(form));
    }

    private Response inpaint(RequestBodies.Inpainting in) {
        List<String> problems = new ArrayList<>(RequestBodies.problems(in));
        if (in.image() == null || in.image().isBlank()) {
            problems.add("image is required: a base64 PNG of the model's input size");
        }
        if (in.mask() == null || in.mask().isBlank()) {
            problems.add("mask is required: a base64 PNG of the model's input size, white = generate");
        }
        boolean nameOk = problems.stream().noneMatch(p -> p.startsWith("model name"));
        ModelCatalog.LiveModel model = nameOk ? gateway.catalog().resolve(in.model()) : null;
        byte[] image = null;
        byte[] mask = null;
        if (model != null) {
            if (in.image() != null && !in.image().isBlank()) {
                image = ImageInput.decodeBase64(in.image(), "image", problems);
                ImageInput.check(image, "image", false, model, problems);
            }
            if (in.mask() != null && !in.mask().isBlank()) {
                mask = ImageInput.decodeBase64(in.mask(), "mask", problems);
                ImageInput.check(mask, "mask", true, model, problems);
            }
        }
        if (!problems.isEmpty()) {
            throw ProblemException.invalid(problems);
        }
        admit();
        Instant now = gateway.clock().instant();
        String id = UUID.randomUUID().toString();
        Base64.Encoder b64 = Base64.getEncoder();
        RequestPublisher.Position at = publisher.send(new InpaintingRequest(id, model.model(), in.parameters(),
                b64.encodeToString(image), b64.encodeToString(mask), now));
        return accepted(id, "inpainting", model, in, now, at);
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
        for (Job.Snapshot s : gateway.registry().recent(limit)) {
            views.add(JobView.of(s, queuePosition(s)));
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
        Job.Snapshot s = job(id).snapshot();
        return JobView.of(s, queuePosition(s));
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
        Job job = job(id);
        JobStatus status = job.status();
        if (status.terminal()) {
            throw ProblemException.conflict(id, "job " + id + " has already ended (" + status.json() + ")");
        }
        Instant now = gateway.clock().instant();
        publisher.send(new CancelRequest(id, now));
        job.cancelRequested(now);
        Job.Snapshot s = job.snapshot();
        return Response.accepted(JobView.of(s, queuePosition(s))).type(MediaType.APPLICATION_JSON).build();
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
        Job job = job(id);
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
        Job job = job(id);
        long after = parseLastEventId(lastEventId != null && !lastEventId.isBlank() ? lastEventId : lastEventIdParam);
        long terminal = job.terminalSequence();
        if (terminal >= 0 && after >= terminal) {
            throw new WebApplicationException(Response.noContent().build());
        }
        response.putHeader("Cache-Control", "no-cache");
        response.putHeader("X-Accel-Buffering", "no");
        SseSubscription subscription = new SseSubscription(sink, sse,
                gateway.config().buffer().maxQueuedPerClient(), 2_000);
        gateway.track(subscription);
        subscription.onClose(() -> {
            job.unsubscribe(subscription);
            gateway.untrack(subscription);
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

    private Job job(String id) {
        return gateway.registry().get(id).orElseThrow(() -> ProblemException.unknownJob(id));
    }

    /** 429 while the sampler pool's backlog is at its configured depth. */
    private void admit() {
        Backlog.Snapshot b = gateway.backlog().current();
        long max = gateway.config().backlog().maxDepth();
        if (b.known() && b.depth() >= max) {
            long retry = Math.max(1, gateway.config().backlog().retryAfter().toSeconds());
            throw new ProblemException(Problem.of(429, "backlog", "Too many queued jobs",
                    b.depth() + " requests are waiting for the samplers (the limit is " + max + "); retry in "
                            + retry + " s"), Map.of("Retry-After", Long.toString(retry)));
        }
    }

    /**
     * While queued: 1 + the requests ahead of this one on its request partition that no worker has started. Those
     * are the records between the sampler group's committed offset and the job's offset, less the ones this
     * replica has seen start or end (the group commits a record only once all before it have ended). Without a
     * measurement, only the queued requests this replica knows about are counted.
     */
    private Long queuePosition(Job.Snapshot s) {
        if (s.status() != JobStatus.QUEUED || s.requestOffset() < 0) {
            return null;
        }
        Backlog.Snapshot b = gateway.backlog().current();
        Long committed = b.known() ? b.committed(s.requestTopic(), s.requestPartition()) : null;
        long from = committed == null ? 0 : Math.min(committed, s.requestOffset());
        long waiting;
        if (committed == null) {
            waiting = 0;
            for (Job.Snapshot other : gateway.registry().recent(Integer.MAX_VALUE)) {
                if (other.status() == JobStatus.QUEUED && s.requestTopic().equals(other.requestTopic())
                        && other.requestPartition() == s.requestPartition() && other.requestOffset() >= 0
                        && other.requestOffset() < s.requestOffset()) {
                    waiting++;
                }
            }
        } else {
            waiting = (s.requestOffset() - from)
                    - gateway.registry().startedBetween(s.requestTopic(), s.requestPartition(), from, s.requestOffset());
        }
        return Math.max(0, waiting) + 1;
    }

    private Response accepted(String id, String kind, ModelCatalog.LiveModel model, RequestBodies.Sampling in,
                              Instant now, RequestPublisher.Position at) {
        Job job = gateway.registry().onRequest(new JobRegistry.RequestInfo(id, kind, model.model(), in.count(),
                in.stepsPerLevel(), now, at == null ? null : at.topic(), at == null ? -1 : at.partition(),
                at == null ? -1 : at.offset()));
        Job.Snapshot s = job.snapshot();
        return Response.accepted(JobView.of(s, queuePosition(s))).type(MediaType.APPLICATION_JSON)
                .location(URI.create("/v1/jobs/" + id)).build();
    }

    /** The multipart form of an inpainting request: the JSON fields as parts, image and mask as files. */
    private static RequestBodies.Inpainting fromMultipart(MultipartFormDataInput form) {
        Map<String, Collection<FormValue>> values = form.getValues();
        for (Map.Entry<String, Collection<FormValue>> e : values.entrySet()) {
            if (!INPAINTING_FIELDS.contains(e.getKey())) {
                throw ProblemException.badRequest("unknown part \"" + e.getKey() + "\"; the parts are "
                        + String.join(", ", new java.util.TreeSet<>(INPAINTING_FIELDS)));
            }
            if (e.getValue().size() > 1) {
                throw ProblemException.badRequest("part \"" + e.getKey() + "\" appears more than once");
            }
        }
        return new RequestBodies.Inpainting(
                integer(values, "count"), longValue(values, "seed"), integer(values, "stepsPerLevel"),
                number(values, "stepSize"), integer(values, "frameEvery"), bool(values, "denoisedPreview"),
                bool(values, "finalDenoise"), text(values, "model"), image(values, "image"), image(values, "mask"));
    }

    private static FormValue part(Map<String, Collection<FormValue>> values, String name) {
        Collection<FormValue> v = values.get(name);
        return v == null || v.isEmpty() ? null : v.iterator().next();
    }

    private static String text(Map<String, Collection<FormValue>> values, String name) {
        FormValue v = part(values, name);
        if (v == null) {
            return null;
        }
        if (v.isFileItem()) {
            try (InputStream in = v.getFileItem().getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw ProblemException.badRequest("cannot read part \"" + name + "\": " + e.getMessage());
            }
        }
        return v.getValue() == null ? null : v.getValue().strip();
    }

    /** A file part as base64, or a text part taken as base64 already. */
    private static String image(Map<String, Collection<FormValue>> values, String name) {
        FormValue v = part(values, name);
        if (v == null) {
            return null;
        }
        if (v.isFileItem()) {
            try (InputStream in = v.getFileItem().getInputStream()) {
                byte[] bytes = in.readAllBytes();
                return bytes.length == 0 ? "" : Base64.getEncoder().encodeToString(bytes);
            } catch (IOException e) {
                throw ProblemException.badRequest("cannot read part \"" + name + "\": " + e.getMessage());
            }
        }
        return v.getValue();
    }

    private static Integer integer(Map<String, Collection<FormValue>> values, String name) {
        String t = text(values, name);
        if (t == null || t.isEmpty()) {
            return null;
        }
        try {
            return Integer.valueOf(t);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("field \"" + name + "\" must be an integer, got \"" + t + "\"");
        }
    }

    private static Long longValue(Map<String, Collection<FormValue>> values, String name) {
        String t = text(values, name);
        if (t == null || t.isEmpty()) {
            return null;
        }
        try {
            return Long.valueOf(t);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("field \"" + name + "\" must be an integer, got \"" + t + "\"");
        }
    }

    private static Double number(Map<String, Collection<FormValue>> values, String name) {
        String t = text(values, name);
        if (t == null || t.isEmpty()) {
            return null;
        }
        try {
            double d = Double.parseDouble(t);
            if (!Double.isFinite(d)) {
                throw new NumberFormatException();
            }
            return d;
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("field \"" + name + "\" must be a number, got \"" + t + "\"");
        }
    }

    private static Boolean bool(Map<String, Collection<FormValue>> values, String name) {
        String t = text(values, name);
        if (t == null || t.isEmpty()) {
            return null;
        }
        if (t.equals("true") || t.equals("false")) {
            return Boolean.valueOf(t);
        }
        throw ProblemException.badRequest("field \"" + name + "\" must be true or false, got \"" + t + "\"");
    }
}
