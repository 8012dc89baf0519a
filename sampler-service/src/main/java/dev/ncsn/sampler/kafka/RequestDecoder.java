package dev.ncsn.sampler.kafka;

import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.core.JobRequest;
import dev.ncsn.sampler.core.ServedModels;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.InpaintingRequest;

import java.util.List;

/**
 * Reads request records: at most {@link Contracts#MAX_REQUEST_CHARS} characters (the gateway's body limit), strict
 * JSON of the contract ({@link Contracts#decode}), the contract's own checks ({@code problems()}), the record key
 * equal to the job id, and a model this worker serves. Anything else is {@link Invalid}: the job (when an id can be
 * found) gets a {@code failed} event and the record a dead letter.
 */
public final class RequestDecoder {

    private final SamplerSettings.TopicNames topics;
    private final ServedModels models;

    public RequestDecoder(SamplerSettings.TopicNames topics, ServedModels models) {
        this.topics = topics;
        this.models = models;
    }

    /** The outcome of reading one record. */
    public sealed interface Decoded permits Valid, Invalid {
    }

    public record Valid(JobRequest request) implements Decoded {
    }

    /**
     * @param jobId the key, or the jobId field of a message that is otherwise broken, when it may be a job id
     *              ({@link GenerationRequest#isJobId}); null when neither is
     */
    public record Invalid(String jobId, String reason) implements Decoded {
    }

    public Decoded decode(String topic, int partition, long offset, String key, String value) {
        JobRequest.RecordPosition position = new JobRequest.RecordPosition(topic, partition, offset);
        if (value != null && value.length() > Contracts.MAX_REQUEST_CHARS) {
            // Refused unread: neither decoded nor searched for a job id.
            return new Invalid(GenerationRequest.isJobId(key) ? key : null, "the request has " + value.length()
                    + " characters, over the limit of " + Contracts.MAX_REQUEST_CHARS + " (the gateway's body limit)");
        }
        String fallbackId = GenerationRequest.isJobId(key) ? key : jobIdField(value);
        try {
            JobRequest request;
            if (topic.equals(topics.generationRequests())) {
                GenerationRequest r = Contracts.decode(value, GenerationRequest.class);
                requireValid(r.problems());
                request = new JobRequest(r.jobId(), modelOf(r.model()), r.parameters(), null, null, position, key,
                        value);
            } else if (topic.equals(topics.inpaintingRequests())) {
                InpaintingRequest r = Contracts.decode(value, InpaintingRequest.class);
                requireValid(r.problems());
                request = new JobRequest(r.jobId(), modelOf(r.model()), r.parameters(), r.image(), r.mask(), position,
                        key, value);
            } else {
                return new Invalid(fallbackId, "no requests are expected on topic " + topic);
            }
            if (key != null && !key.equals(request.jobId())) {
                return new Invalid(fallbackId, "the record key \"" + head(key) + "\" is not the job id \""
                        + request.jobId() + "\"; requests are keyed by job id");
            }
            return new Valid(request);
        } catch (IllegalArgumentException e) {
            return new Invalid(fallbackId, e.getMessage());
        }
    }

    private String modelOf(String requested) {
        String model = requested == null || requested.isBlank() ? models.defaultModel() : requested;
        if (models.slot(model).isEmpty()) {
            throw new JobRequest.InvalidRequestException("model " + head(model) + " is not served by this sampler pool "
                    + "(it serves " + String.join(", ", models.names()) + ")");
        }
        return model;
    }

    private static void requireValid(List<String> problems) {
        if (!problems.isEmpty()) {
            throw new JobRequest.InvalidRequestException(String.join("; ", problems));
        }
    }

    /** The first characters of a long value, for a reason. */
    private static String head(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    /** The jobId field of a message that fails strict decoding, when it is at least JSON with a string job id. */
    private static String jobIdField(String value) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode node = Contracts.json().readTree(value);
            JsonNode id = node == null ? null : node.get("jobId");
            return id != null && id.isTextual() && GenerationRequest.isJobId(id.asText()) ? id.asText() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
