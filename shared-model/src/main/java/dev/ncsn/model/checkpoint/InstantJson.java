package dev.ncsn.model.checkpoint;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;

import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * ISO-8601 text for {@link Instant}s in the manifest, declared on the field so that the manifest reads and writes the
 * same with any {@code ObjectMapper}, with or without Jackson's JSR-310 module (which shared-model does not have).
 */
final class InstantJson {

    private InstantJson() {
    }

    /** Writes {@link Instant#toString()}: UTC, e.g. {@code 2025-03-01T12:00:00.123456Z}. */
    public static final class Serializer extends JsonSerializer<Instant> {
        @Override
        public void serialize(Instant value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
            gen.writeString(value.toString());
        }
    }

    /** Reads ISO-8601 instants, with a {@code Z} or a numeric offset. */
    public static final class Deserializer extends JsonDeserializer<Instant> {
        @Override
        public Instant deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (Instant) ctxt.handleUnexpectedToken(Instant.class, p);
            }
            String text = p.getText().trim();
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException e) {
                try {
                    return OffsetDateTime.parse(text).toInstant();
                } catch (DateTimeParseException e2) {
                    return (Instant) ctxt.handleWeirdStringValue(Instant.class, text,
                            "not an ISO-8601 instant such as 2025-03-01T12:00:00Z");
                }
            }
        }
    }
}
