package dev.ncsn.gateway.core;

import dev.ncsn.model.contract.CancelRequest;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.InpaintingRequest;
import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.store.ModelStore;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Turning a client's request into a job: every problem with its values found at once (422), the model resolved
 * to its live version, the images checked against its input size, admission (429), then the request on its topic
 * and the job in the registry. Cancels too. Knows nothing of HTTP: the resources read bodies, this decides.
 */
public final class Submission {

    private final ModelCatalog catalog;
    private final Admission admission;
    private final RequestSink sink;
    private final JobRegistry registry;
    private final GatewayMetrics metrics;
    private final Clock clock;

    public Submission(ModelCatalog catalog, Admission admission, RequestSink sink, JobRegistry registry,
                      GatewayMetrics metrics, Clock clock) {
        this.catalog = catalog;
        this.admission = admission;
        this.sink = sink;
        this.registry = registry;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Problems with the sampling fields and the model name; empty when valid. */
    public static List<String> problems(SamplingInput s) {
        List<String> problems = new ArrayList<>();
        if (s.count() == null) {
            problems.add("count is required (1 to " + SamplingParameters.MAX_COUNT + ")");
            problems.addAll(s.withCount(1).problems());
        } else {
            problems.addAll(s.parameters().problems());
        }
        if (s.model() != null) {
            try {
                ModelStore.requireName(s.model(), "model");
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        return problems;
    }

    /** A generation job, queued. */
    public Job.Snapshot generation(SamplingInput in, String owner) {
        List<String> problems = problems(in);
        if (!problems.isEmpty()) {
            throw ProblemException.invalid(problems);
        }
        ModelCatalog.LiveModel model = catalog.resolve(in.model());
        admission.admit(owner);
        Instant now = clock.instant();
        String id = UUID.randomUUID().toString();
        RequestSink.Position at = sink.send(new GenerationRequest(id, model.model(), in.parameters(), now));
        return register(id, "generation", model, in, now, at, owner);
    }

    /**
     * An inpainting job, queued.
     *
     * @param image base64 PNG (or a PNG data URL) of the model's input size
     * @param mask  the same, white = generate
     * @param owner the name of the submitting key, or null on an open API
     */
    public Job.Snapshot inpainting(SamplingInput in, String image, String mask, String owner) {
        List<String> problems = new ArrayList<>(problems(in));
        if (image == null || image.isBlank()) {
            problems.add("image is required: a base64 PNG of the model's input size");
        }
        if (mask == null || mask.isBlank()) {
            problems.add("mask is required: a base64 PNG of the model's input size, white = generate");
        }
        boolean nameOk = problems.stream().noneMatch(p -> p.startsWith("model name"));
        ModelCatalog.LiveModel model = nameOk ? catalog.resolve(in.model()) : null;
        byte[] imagePng = null;
        byte[] maskPng = null;
        if (model != null) {
            if (image != null && !image.isBlank()) {
                imagePng = ImageInput.decodeBase64(image, "image", problems);
                ImageInput.check(imagePng, "image", false, model, problems);
            }
            if (mask != null && !mask.isBlank()) {
                maskPng = ImageInput.decodeBase64(mask, "mask", problems);
                ImageInput.check(maskPng, "mask", true, model, problems);
            }
        }
        if (!problems.isEmpty()) {
            throw ProblemException.invalid(problems);
        }
        admission.admit(owner);
        Instant now = clock.instant();
        String id = UUID.randomUUID().toString();
        Base64.Encoder b64 = Base64.getEncoder();
        RequestSink.Position at = sink.send(new InpaintingRequest(id, model.model(), in.parameters(),
                b64.encodeToString(imagePng), b64.encodeToString(maskPng), now));
        return register(id, "inpainting", model, in, now, at, owner);
    }

    /** Sends a cancel for a job that has not ended (409 otherwise, 404 for an unknown job). */
    public Job.Snapshot cancel(String id) {
        Job job = registry.get(id).orElseThrow(() -> ProblemException.unknownJob(id));
        JobStatus status = job.status();
        if (status.terminal()) {
            throw ProblemException.conflict(id, "job " + id + " has already ended (" + status.json() + ")");
        }
        Instant now = clock.instant();
        sink.send(new CancelRequest(id, now));
        job.cancelRequested(now);
        return job.snapshot();
    }

    private Job.Snapshot register(String id, String kind, ModelCatalog.LiveModel model, SamplingInput in,
                                  Instant now, RequestSink.Position at, String owner) {
        Job job = registry.onRequest(new JobRegistry.RequestInfo(id, kind, model.model(), in.count(),
                in.stepsPerLevel(), now, at == null ? null : at.topic(), at == null ? -1 : at.partition(),
                at == null ? -1 : at.offset(), owner));
        metrics.submitted(kind);
        return job.snapshot();
    }
}
