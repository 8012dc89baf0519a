package dev.ncsn.gateway.api;

import dev.ncsn.gateway.core.ProblemException;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;
import org.jboss.resteasy.reactive.server.core.CurrentRequestManager;
import org.jboss.resteasy.reactive.server.core.multipart.FormData;
import org.jboss.resteasy.reactive.server.multipart.FormValue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Base64;
import java.util.Deque;
import java.util.Set;
import java.util.TreeSet;

/**
 * The multipart form of {@code POST /v1/inpaintings}: the JSON body's fields as text parts, {@code image} and
 * {@code mask} as file parts. Quarkus REST parses the form and fills these fields; this class only turns the text
 * into typed values, with the same 400s as a JSON body ({@code "count": "one"} and a part {@code count=one} get
 * the same answer).
 */
public class InpaintingForm {

    static final Set<String> PARTS = Set.of("count", "seed", "sampler", "samplerOptions", "stepsPerLevel", "levels",
            "stepSize", "frameEvery", "denoisedPreview", "finalDenoise", "model", "image", "mask");

    @RestForm
    public String count;
    @RestForm
    public String seed;
    @RestForm
    public String sampler;
    /** The sampler's options as a JSON object, e.g. {"snr":0.16}. */
    @RestForm
    public String samplerOptions;
    @RestForm
    public String stepsPerLevel;
    @RestForm
    public String levels;
    @RestForm
    public String stepSize;
    @RestForm
    public String frameEvery;
    @RestForm
    public String denoisedPreview;
    @RestForm
    public String finalDenoise;
    @RestForm
    public String model;
    @RestForm
    public FileUpload image;
    @RestForm
    public FileUpload mask;

    /** The same request as a JSON body would make; 400 for an unknown or repeated part or a value of the wrong type. */
    RequestBodies.Inpainting toRequest() {
        checkParts();
        return new RequestBodies.Inpainting(integer("count", count), longValue("seed", seed), text(sampler),
                options(samplerOptions), integer("stepsPerLevel", stepsPerLevel), integer("levels", levels),
                number("stepSize", stepSize),
                integer("frameEvery", frameEvery), bool("denoisedPreview", denoisedPreview),
                bool("finalDenoise", finalDenoise), text(model), base64("image", image), base64("mask", mask));
    }

    /** The samplerOptions part: a JSON object of option names to numbers or booleans. */
    @SuppressWarnings("unchecked")
    private static java.util.Map<String, Object> options(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return dev.ncsn.model.contract.Contracts.json().readValue(value, java.util.LinkedHashMap.class);
        } catch (java.io.IOException | RuntimeException e) {
            throw ProblemException.badRequest("part \"samplerOptions\" must be a JSON object, e.g. {\"snr\":0.16}");
        }
    }

    /**
     * Fields bind parts by name, so an unknown part (a typo such as {@code steps}) would be ignored silently, and a
     * repeated one would lose all but one value. Quarkus REST keeps every part of the request in its form data;
     * its public binding has no "all part names", so the names are read there.
     */
    private static void checkParts() {
        var context = CurrentRequestManager.get();
        FormData form = context == null ? null : context.getFormData();
        if (form == null) {
            return;
        }
        for (String name : form) {
            if (!PARTS.contains(name)) {
                throw ProblemException.badRequest("unknown part \"" + name + "\"; the parts are "
                        + String.join(", ", new TreeSet<>(PARTS)));
            }
            Deque<FormValue> values = form.get(name);
            if (values != null && values.size() > 1) {
                throw ProblemException.badRequest("part \"" + name + "\" appears more than once");
            }
            if ((name.equals("image") || name.equals("mask")) && values != null && !values.isEmpty()
                    && !values.getFirst().isFileItem()) {
                throw ProblemException.badRequest("part \"" + name + "\" must be a file (a PNG), e.g. curl -F "
                        + name + "=@" + name + ".png");
            }
        }
    }

    private static String text(String value) {
        return value == null ? null : value.strip();
    }

    private static String base64(String name, FileUpload upload) {
        if (upload == null) {
            return null;
        }
        try {
            byte[] bytes = Files.readAllBytes(upload.uploadedFile());
            return bytes.length == 0 ? "" : Base64.getEncoder().encodeToString(bytes);
        } catch (IOException e) {
            throw ProblemException.badRequest("cannot read part \"" + name + "\": " + e.getMessage());
        }
    }

    private static Integer integer(String name, String value) {
        String t = text(value);
        if (t == null || t.isEmpty()) {
            return null;
        }
        try {
            return Integer.valueOf(t);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("field \"" + name + "\" must be an integer, got \"" + t + "\"");
        }
    }

    private static Long longValue(String name, String value) {
        String t = text(value);
        if (t == null || t.isEmpty()) {
            return null;
        }
        try {
            return Long.valueOf(t);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("field \"" + name + "\" must be an integer, got \"" + t + "\"");
        }
    }

    private static Double number(String name, String value) {
        String t = text(value);
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

    private static Boolean bool(String name, String value) {
        String t = text(value);
        if (t == null || t.isEmpty()) {
            return null;
        }
        if (t.equals("true") || t.equals("false")) {
            return Boolean.valueOf(t);
        }
        throw ProblemException.badRequest("field \"" + name + "\" must be true or false, got \"" + t + "\"");
    }
}
