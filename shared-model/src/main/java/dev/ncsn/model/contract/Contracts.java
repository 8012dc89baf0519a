package dev.ncsn.model.contract;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON encoding of every message: ISO-8601 instants, nulls left out. Decoding is as strict as the gateway's
 * reading of HTTP bodies, because records may come from any producer, not only through the gateway: an unknown
 * field, a duplicate key, trailing content, a string where a number belongs ({@code "count": "4"}), a fraction
 * where an integer belongs ({@code 1.5}) and a number or boolean where a string belongs are all errors.
 */
public final class Contracts {

    /**
     * The most characters of a request, cancel or model-update record a sampler decodes: the gateway's body limit
     * ({@code quarkus.http.limits.max-body-size}, 4 MiB), so that a record that did not come through the gateway
     * is held to the same bound however large its topic lets records be. (A UTF-8 record of at most this many bytes
     * never has more characters.) Frames are not held to it: they may be up to {@link TopicPlan#MAX_MESSAGE_BYTES}.
     */
    public static final int MAX_REQUEST_CHARS = 4 * 1024 * 1024;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .serializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
            .build();

    private Contracts() {
    }

    /** A mapper configured like the contracts' own, for services that embed these records in other JSON. */
    public static ObjectMapper json() {
        return JSON;
    }

    public static String encode(Object message) {
        try {
            return JSON.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    /**
     * Decodes a message; malformed JSON, JSON {@code null}, a value of the wrong type or an unknown field is an
     * {@link InvalidMessageException} whose message says what is wrong.
     */
    public static <T> T decode(String json, Class<T> type) {
        if (json == null || json.isBlank()) {
            throw new InvalidMessageException("empty message where a " + type.getSimpleName() + " was expected");
        }
        T value;
        try {
            value = JSON.readValue(json, type);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw new InvalidMessageException("unknown field \"" + e.getPropertyName() + "\" in "
                    + type.getSimpleName());
        } catch (com.fasterxml.jackson.databind.exc.MismatchedInputException e) {
            String path = e.getPath().isEmpty() ? "" : " at \"" + e.getPathReference().replaceAll(".*\\[\"?|\"?]", "") + "\"";
            throw new InvalidMessageException("invalid " + type.getSimpleName() + path + ": "
                    + e.getOriginalMessage().split("\n")[0]);
        } catch (JsonProcessingException e) {
            throw new InvalidMessageException("malformed JSON for " + type.getSimpleName() + ": "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (value == null) {
            throw new InvalidMessageException("JSON null where a " + type.getSimpleName() + " was expected");
        }
        return value;
    }

    /** A message that cannot be understood. */
    public static final class InvalidMessageException extends IllegalArgumentException {
        public InvalidMessageException(String message) {
            super(message);
        }
    }
}
