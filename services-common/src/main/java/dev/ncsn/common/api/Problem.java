package dev.ncsn.common.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * An RFC 9457 problem detail, the body of every error response of every service ({@code application/problem+json}).
 *
 * @param type     a URI naming the kind of problem, {@code https://ncsn.dev/problems/<slug>}
 * @param title    the kind of problem in words, the same for every occurrence
 * @param status   the HTTP status
 * @param detail   what exactly is wrong with this request, in a sentence
 * @param instance the request path the problem occurred on, if known
 * @param errors   every problem found, when there is more than one (e.g. several invalid fields)
 * @param jobId    the job concerned, if any
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"type", "title", "status", "detail", "instance", "errors", "jobId"})
public record Problem(String type, String title, int status, String detail, String instance, List<String> errors,
                      String jobId) {

    public static final String MEDIA_TYPE = "application/problem+json";
    public static final String TYPE_BASE = "https://ncsn.dev/problems/";

    public static Problem of(int status, String slug, String title, String detail) {
        return new Problem(TYPE_BASE + slug, title, status, detail, null, null, null);
    }

    public Problem withErrors(List<String> list) {
        return new Problem(type, title, status, detail, instance,
                list == null || list.isEmpty() ? null : List.copyOf(list), jobId);
    }

    public Problem withJobId(String id) {
        return new Problem(type, title, status, detail, instance, errors, id);
    }

    public Problem withInstance(String path) {
        return new Problem(type, title, status, detail, path, errors, jobId);
    }
}
