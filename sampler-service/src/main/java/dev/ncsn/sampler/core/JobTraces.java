package dev.ncsn.sampler.core;

import dev.ncsn.model.contract.JobEvent;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * One span per job on this worker ({@code ncsn.sampler.job}), child of the trace context its request record
 * carried (the gateway's HTTP request), from the moment the worker reads the request to its stored terminal
 * event. Every event the job publishes is sent with the job's span current ({@link #wrap}), so the sink writes
 * that context into the record's headers and the frames the gateway receives stay in the same trace. With
 * tracing off the OpenTelemetry instance is a no-op and all of this costs a map entry per job.
 */
public final class JobTraces {

    private record Entry(Span span, JobRequest.RecordPosition position) {
    }

    private final OpenTelemetry otel;
    private final Tracer tracer;
    private final Map<String, Entry> spans = new ConcurrentHashMap<>();

    public JobTraces(OpenTelemetry otel) {
        this.otel = otel;
        this.tracer = otel.getTracer("dev.ncsn.sampler");
    }

    public OpenTelemetry openTelemetry() {
        return otel;
    }

    /** The worker read the job's request; {@code parent} is the context its headers carried. */
    public void read(String jobId, JobRequest.RecordPosition position, Context parent, String worker) {
        if (jobId == null) {
            return;
        }
        Span span = tracer.spanBuilder("ncsn.sampler.job").setParent(parent).setSpanKind(SpanKind.CONSUMER)
                .setAttribute("ncsn.job.id", jobId).setAttribute("ncsn.worker", worker)
                .setAttribute("messaging.destination.name", position.topic())
                .setAttribute("messaging.kafka.destination.partition", (long) position.partition())
                .setAttribute("messaging.kafka.message.offset", position.offset())
                .startSpan();
        Entry previous = spans.put(jobId, new Entry(span, position));
        if (previous != null) {
            previous.span().setAttribute("ncsn.outcome", "superseded").end();
        }
    }

    /** The job ended here (its terminal event is stored, or it was refused). */
    public void ended(String jobId, String outcome) {
        Entry e = jobId == null ? null : spans.remove(jobId);
        if (e != null) {
            e.span().setAttribute("ncsn.outcome", outcome);
            if ("failed".equals(outcome) || "invalid".equals(outcome)) {
                e.span().setStatus(StatusCode.ERROR, outcome);
            }
            e.span().end();
        }
    }

    /** Jobs left to another worker (their partition moved away): their spans end without an outcome. */
    public void left(Predicate<JobRequest.RecordPosition> which) {
        spans.entrySet().removeIf(en -> {
            if (which.test(en.getValue().position())) {
                en.getValue().span().setAttribute("ncsn.outcome", "left to another worker").end();
                return true;
            }
            return false;
        });
    }

    /** Jobs with an open span (for tests and health). */
    public int open() {
        return spans.size();
    }

    /**
     * A sink that publishes each event with its job's span current, and marks {@code started} (and a
     * {@code restarted}) on the span.
     */
    public JobEventSink wrap(JobEventSink sink) {
        return event -> {
            Entry e = spans.get(event.jobId());
            if (e == null) {
                return sink.publish(event);
            }
            if (event instanceof JobEvent.Started s) {
                e.span().addEvent("started").setAttribute("ncsn.model.version", s.modelVersion())
                        .setAttribute("ncsn.total_steps", (long) s.totalSteps())
                        .setAttribute("ncsn.count", (long) s.count());
            } else if (event instanceof JobEvent.Restarted r) {
                e.span().addEvent("restarted").setAttribute("ncsn.model.version", r.modelVersion())
                        .setAttribute("ncsn.previous_version", r.previousVersion())
                        .setAttribute("ncsn.previous_completed_steps", (long) r.previousCompletedSteps());
            }
            try (Scope ignored = Context.root().with(e.span()).makeCurrent()) {
                return sink.publish(event);
            } catch (RuntimeException ex) {
                CompletableFuture<Void> failed = new CompletableFuture<>();
                failed.completeExceptionally(ex);
                return failed;
            }
        };
    }
}
