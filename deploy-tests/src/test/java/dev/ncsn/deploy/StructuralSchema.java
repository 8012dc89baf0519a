package dev.ncsn.deploy;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Validates a custom resource against its CRD's {@code openAPIV3Schema} the way the API server treats a
 * structural schema: types, required fields, enums, patterns, minLength and minimum, arrays' items, maps'
 * {@code additionalProperties}, {@code x-kubernetes-int-or-string}, {@code x-kubernetes-preserve-unknown-fields};
 * a field the schema does not declare is reported (the API server would prune it, so a misspelt setting would
 * silently do nothing). {@code x-kubernetes-validations} (CEL rules) are not evaluated. Written here because a
 * JSON Schema validator knows neither the pruning rule nor the {@code x-kubernetes-*} extensions.
 */
final class StructuralSchema {

    private final JsonNode root;

    StructuralSchema(JsonNode openApiV3Schema) {
        this.root = openApiV3Schema;
    }

    /** The schema of the CRD's served version {@code version}. */
    static StructuralSchema ofCrd(JsonNode crd, String version) {
        for (JsonNode v : crd.path("spec").path("versions")) {
            if (v.path("name").asString().equals(version)) {
                return new StructuralSchema(v.path("schema").path("openAPIV3Schema"));
            }
        }
        throw new IllegalArgumentException("the CRD serves no version " + version);
    }

    /** The problems, each with its path; empty when the resource is valid. {@code metadata} is left to ObjectMeta. */
    List<String> validate(JsonNode resource) {
        List<String> problems = new ArrayList<>();
        check(root, resource, "", problems);
        return problems;
    }

    private void check(JsonNode schema, JsonNode value, String path, List<String> problems) {
        if (path.equals("metadata")) {
            return;
        }
        if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
            if (!value.isIntegralNumber() && !value.isString()) {
                problems.add(path + ": must be an integer or a string, got " + value);
            }
            return;
        }
        String type = schema.path("type").asString("");
        switch (type) {
            case "object" -> {
                if (!value.isObject()) {
                    problems.add(path + ": must be an object, got " + value);
                    return;
                }
                JsonNode props = schema.path("properties");
                JsonNode additional = schema.path("additionalProperties");
                boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
                for (String field : value.propertyNames()) {
                    String p = path.isEmpty() ? field : path + "." + field;
                    if (props.has(field)) {
                        check(props.get(field), value.get(field), p, problems);
                    } else if (additional.isObject()) {
                        check(additional, value.get(field), p, problems);
                    } else if (!preserve && !additional.asBoolean(false)) {
                        problems.add(p + ": unknown field");
                    }
                }
                for (JsonNode req : schema.path("required")) {
                    if (!value.has(req.asString())) {
                        problems.add((path.isEmpty() ? "" : path + ".") + req.asString() + ": required");
                    }
                }
            }
            case "array" -> {
                if (!value.isArray()) {
                    problems.add(path + ": must be an array, got " + value);
                    return;
                }
                for (int i = 0; i < value.size(); i++) {
                    check(schema.path("items"), value.get(i), path + "[" + i + "]", problems);
                }
            }
            case "string" -> {
                if (!value.isString()) {
                    problems.add(path + ": must be a string, got " + value);
                    return;
                }
                String s = value.asString();
                if (schema.has("minLength") && s.length() < schema.get("minLength").asInt()) {
                    problems.add(path + ": shorter than " + schema.get("minLength").asInt());
                }
                if (schema.has("pattern") && !java.util.regex.Pattern.compile(schema.get("pattern").asString()).matcher(s).find()) {
                    problems.add(path + ": does not match " + schema.get("pattern").asString());
                }
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    problems.add(path + ": must be an integer, got " + value);
                } else if (schema.has("minimum") && value.asLong() < schema.get("minimum").asLong()) {
                    problems.add(path + ": below the minimum " + schema.get("minimum").asLong());
                }
            }
            case "number" -> {
                if (!value.isNumber()) {
                    problems.add(path + ": must be a number, got " + value);
                }
            }
            case "boolean" -> {
                if (!value.isBoolean()) {
                    problems.add(path + ": must be a boolean, got " + value);
                }
            }
            case "" -> {
                // no type: anything (e.g. a preserve-unknown-fields value)
            }
            default -> problems.add(path + ": the schema has a type these tests do not know: " + type);
        }
        if (schema.has("enum")) {
            boolean ok = false;
            for (JsonNode e : schema.get("enum")) {
                ok |= e.equals(value);
            }
            if (!ok) {
                problems.add(path + ": " + value + " is not one of " + schema.get("enum"));
            }
        }
    }
}
