package dev.ncsn.common.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

class KafkaTraceContextTest {

    private static final OpenTelemetry W3C = OpenTelemetry.propagating(
            ContextPropagators.create(W3CTraceContextPropagator.getInstance()));

    private static final SpanContext JOB = SpanContext.create("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
            TraceFlags.getSampled(), TraceState.getDefault());

    @Test
    void aSpanContextTravelsAsAW3CTraceparentHeaderAndComesBack() {
        RecordHeaders headers = new RecordHeaders();
        headers.add("traceparent", "00-00000000000000000000000000000001-0000000000000001-01".getBytes());
        KafkaTraceContext.inject(W3C, Context.root().with(Span.wrap(JOB)), headers);
        assertEquals("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                new String(headers.lastHeader("traceparent").value(), StandardCharsets.UTF_8));
        assertEquals(1, headers.toArray().length, "an older trace header is replaced, not added to");
        SpanContext back = Span.fromContext(KafkaTraceContext.extract(W3C, headers)).getSpanContext();
        assertEquals(JOB.getTraceId(), back.getTraceId());
        assertEquals(JOB.getSpanId(), back.getSpanId());
        assertTrue(back.isRemote());
    }

    @Test
    void withoutHeadersOrWithTracingOffThereIsNoParent() {
        assertFalse(Span.fromContext(KafkaTraceContext.extract(W3C, new RecordHeaders())).getSpanContext().isValid());
        RecordHeaders headers = new RecordHeaders();
        KafkaTraceContext.inject(OpenTelemetry.noop(), Context.root().with(Span.wrap(JOB)), headers);
        assertEquals(0, headers.toArray().length, "tracing off writes nothing");
    }
}
