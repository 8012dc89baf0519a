package dev.ncsn.gateway.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ncsn.model.contract.Contracts;

/**
 * The gateway's JSON: strict on input (unknown fields, duplicate keys, trailing tokens, a string where a number
 * belongs, a fraction where an integer belongs are all errors), nulls left out on output, ISO-8601 instants.
 */
public final class Json {

    /** The contracts' mapper (one configuration for the gateway's API and the Kafka messages), as its own copy. */
    public static final ObjectMapper STRICT = Contracts.json().copy();

    private Json() {
    }

    public static String write(Object value) {
        try {
            return STRICT.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value.getClass().getSimpleName(), e);
        }
    }
}
