package dev.ncsn.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.ncsn.gateway.core.Json;
import dev.ncsn.gateway.core.ProblemException;
import dev.ncsn.gateway.core.SamplingInput;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.Set;
import java.util.TreeSet;

/** The JSON bodies of {@code POST /v1/generations} and {@code POST /v1/inpaintings}, read strictly. */
final class RequestBodies {

    private RequestBodies() {
    }

    @Schema(name = "GenerationRequest", description = "Unconditional samples of a model.")
    record Generation(
            @Schema(required = true, minimum = "1", maximum = "64", description = "images to sample") Integer count,
            @Schema(description = "random seed; default: derived from the job id") Long seed,
            @Schema(description = "the sampler: annealed-langevin (default), langevin, predictor-corrector, "
                    + "probability-flow, ancestral, consistent-annealed, walk-jump (GET /v1/samplers lists them)")
            String sampler,
            @Schema(description = "the sampler's own options by name, e.g. {\"snr\": 0.16, \"correctorSteps\": 1}")
            java.util.Map<String, Object> samplerOptions,
            @Schema(minimum = "1", maximum = "1000", description = "the sampler's steps per noise level (T): Langevin "
                    + "steps, or predictor steps each with its corrector steps; default 100")
            Integer stepsPerLevel,
            @Schema(minimum = "1", description = "noise levels to sample through; default the model's trained levels "
                    + "(others need a network that accepts any σ)") Integer levels,
            @Schema(description = "step size ε, in (0, 0.01]; default 4e-5") Double stepSize,
            @Schema(minimum = "1", description = "a frame every this many steps (and at each level's last step); "
                    + "default stepsPerLevel / 10") Integer frameEvery,
            @Schema(description = "frames also carry the denoised estimate x + σ²·s(x, σ); default false")
            Boolean denoisedPreview,
            @Schema(description = "a noise-free last step (NCSNv2); default: the model's network family's choice, on for "
                    + "NCSNv2, off for NCSN") Boolean finalDenoise,
            @Schema(description = "model name; default: the gateway's default model") String model)
            implements SamplingInput {
    }

    @Schema(name = "InpaintingRequest", description = "Completions of the white region of a mask over an image.")
    record Inpainting(
            @Schema(required = true, minimum = "1", maximum = "64") Integer count,
            Long seed,
            String sampler,
            java.util.Map<String, Object> samplerOptions,
            @Schema(minimum = "1", maximum = "1000") Integer stepsPerLevel,
            @Schema(minimum = "1") Integer levels,
            Double stepSize,
            @Schema(minimum = "1") Integer frameEvery,
            Boolean denoisedPreview,
            Boolean finalDenoise,
            String model,
            @Schema(required = true, description = "base64 PNG (or a PNG data URL) of the model's input size")
            String image,
            @Schema(required = true, description = "base64 PNG of the same size: white = generate, black = keep")
            String mask) implements SamplingInput {
    }

    static Generation generation(String body) {
        return read(body, Generation.class);
    }

    static Inpainting inpainting(String body) {
        return read(body, Inpainting.class);
    }

    private static <T> T read(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw ProblemException.badRequest("the request body is empty; send a JSON object such as {\"count\": 4}");
        }
        T value;
        try {
            value = Json.STRICT.readValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            Set<String> known = new TreeSet<>();
            e.getKnownPropertyIds().forEach(k -> known.add(k.toString()));
            throw ProblemException.badRequest("unknown field \"" + e.getPropertyName() + "\"; the fields are "
                    + String.join(", ", known));
        } catch (MismatchedInputException e) {
            String field = field(e);
            if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Trailing token")) {
                throw ProblemException.badRequest("malformed JSON: more content after the JSON object");
            }
            if (field == null) {
                throw ProblemException.badRequest("the request body must be a JSON object");
            }
            throw ProblemException.badRequest("field \"" + field + "\" must be " + describe(e.getTargetType()));
        } catch (JsonMappingException e) {
            String field = field(e);
            String what = e.getCause() instanceof InputCoercionException ice ? ice.getOriginalMessage()
                    : e.getOriginalMessage();
            throw ProblemException.badRequest(field == null ? "invalid request body: " + what
                    : "field \"" + field + "\" is invalid: " + what);
        } catch (InputCoercionException e) {
            throw ProblemException.badRequest("a number is out of range: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            String at = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw ProblemException.badRequest("malformed JSON" + at + ": " + e.getOriginalMessage());
        }
        if (value == null) {
            throw ProblemException.badRequest("the request body must be a JSON object, not null");
        }
        return value;
    }

    private static String field(JsonMappingException e) {
        if (e.getPath() == null || e.getPath().isEmpty()) {
            return null;
        }
        JsonMappingException.Reference ref = e.getPath().get(e.getPath().size() - 1);
        return ref.getFieldName();
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "an integer";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "a string";
        }
        return "a JSON object";
    }
}
