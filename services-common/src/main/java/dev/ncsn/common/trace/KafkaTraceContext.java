package dev.ncsn.common.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Trace context in Kafka record headers, in the format of the OpenTelemetry instance's propagators (W3C
 * {@code traceparent} / {@code tracestate} under Quarkus' defaults). Written here, not left to the Kafka client
 * instrumentation, because the sampler reads its requests with a plain {@code KafkaConsumer}, the gateway reads
 * the frames the same way, and a job's span must be the parent of every event it publishes whichever thread
 * sends it. With tracing off the instance is a no-op and nothing is written or read.
 */
public final class KafkaTraceContext {

    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        if (headers != null) {
            headers.remove(key);
            headers.add(key, value.getBytes(StandardCharsets.UTF_8));
        }
    };

    private static final TextMapGetter<Headers> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers headers) {
            List<String> keys = new ArrayList<>();
            for (Header h : headers) {
                keys.add(h.key());
            }
            return keys;
        }

        @Override
        public String get(Headers headers, String key) {
            if (headers == null) {
                return null;
            }
            Header h = headers.lastHeader(key);
            return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
        }
    };

    private KafkaTraceContext() {
    }

    /** Writes {@code context} into {@code headers}, replacing any trace headers already there. */
    public static void inject(OpenTelemetry otel, Context context, Headers headers) {
        otel.getPropagators().getTextMapPropagator().inject(context, headers, SETTER);
    }

    /** The context carried by {@code headers}, on top of the root context (none: the root context). */
    public static Context extract(OpenTelemetry otel, Headers headers) {
        return otel.getPropagators().getTextMapPropagator().extract(Context.root(), headers, GETTER);
    }
}
