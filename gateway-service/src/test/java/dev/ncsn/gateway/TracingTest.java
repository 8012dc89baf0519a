package dev.ncsn.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ncsn.common.kafka.TopicCreator;
import dev.ncsn.infra.InfrastructureTestResource;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.TopicPlan;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.core.SamplerNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One job, one trace: the gateway's HTTP span, the sampler's job span (a worker with its own SDK and exporter,
 * as a separate process would have) and the gateway's spans for the job's events read back from Kafka share one
 * trace id, carried by W3C trace context in the request and frame records' headers. Tracing on only here; on its
 * own topics and sampler group so that no other worker takes the job. JSON console logs are switched on too.
 */
@QuarkusTest
@TestProfile(TracingTest.Profile.class)
@WithTestResource(InfrastructureTestResource.class)
class TracingTest {

    static final SamplerSettings.TopicNames TOPICS = new SamplerSettings.TopicNames("traced.generation-requests",
            "traced.inpainting-requests", "traced.frames", "traced.control", "traced.model-updates",
            "traced.dead-letter");
    static final String GROUP = "traced-sampler";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.otel.sdk.disabled", "false",
                    "quarkus.otel.bsp.schedule.delay", "50ms",
                    "quarkus.log.console.json.enabled", "true",
                    "ncsn.gateway.sampler-group-id", GROUP,
                    "ncsn.gateway.topics.generation-requests", TOPICS.generationRequests(),
                    "ncsn.gateway.topics.inpainting-requests", TOPICS.inpaintingRequests(),
                    "ncsn.gateway.topics.frames", TOPICS.frames(),
                    "ncsn.gateway.topics.control", TOPICS.control());
        }
    }

    /** The gateway's exporter: Quarkus' default ("cdi") exporter setting collects SpanExporter beans. */
    @ApplicationScoped
    static class Exporter {
        @Produces
        @Singleton
        InMemorySpanExporter gatewaySpans() {
            return InMemorySpanExporter.create();
        }
    }

    static final InMemorySpanExporter SAMPLER_SPANS = InMemorySpanExporter.create();
    static SamplerNode worker;
    static TestBackend.Sinks sinks;
    static OpenTelemetrySdk samplerOtel;

    @Inject
    InMemorySpanExporter gatewaySpans;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void backend() {
        LocalInfrastructure infra = LocalInfrastructure.shared();
        TestBackend.publishModel(infra);
        TopicCreator.createMissing(infra.kafkaBootstrapServers(),
                TopicPlan.standard(TOPICS.toPlanNames(), 1, Duration.ofHours(1)), (short) 1);
        samplerOtel = OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder()
                        .addSpanProcessor(SimpleSpanProcessor.create(SAMPLER_SPANS)).build())
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        SamplerSettings d = SamplerSettings.defaults(infra.kafkaBootstrapServers(), GROUP, "traced-worker", TOPICS,
                List.of(TestBackend.MODEL));
        SamplerSettings settings = new SamplerSettings(d.bootstrapServers(), d.groupId(), d.instanceId(), TOPICS,
                d.models(), 2, 16, 100, Duration.ofMinutes(10), "cpu", Duration.ofMillis(50), Duration.ofSeconds(1),
                Map.of("heartbeat.interval.ms", "500"));
        sinks = new TestBackend.Sinks(infra.kafkaBootstrapServers(), TOPICS, samplerOtel);
        ModelStore store = new ModelStore(infra.s3Client(), LocalInfrastructure.DEFAULT_BUCKET);
        worker = new SamplerNode(settings, store, new dev.ncsn.sampler.core.S3SnapshotStore(store), sinks, sinks,
                new SimpleMeterRegistry(), samplerOtel);
        worker.start();
        await(worker::ready, "the traced worker is ready");
    }

    @AfterAll
    static void stop() {
        if (worker != null) {
            worker.close();
        }
        if (sinks != null) {
            sinks.close();
        }
        if (samplerOtel != null) {
            samplerOtel.close();
        }
    }

    @Test
    void oneTraceFollowsAJobFromTheHttpRequestThroughTheSamplerBackToTheGateway() throws Exception {
        Http http = new Http(base.toString());
        await(() -> http.get("/q/health/ready").statusCode() == 200, "the gateway is ready");
        HttpResponse<String> accepted = http.postJson("/v1/generations",
                "{\"count\": 1, \"seed\": 11, \"stepsPerLevel\": 1, \"frameEvery\": 1}");
        assertEquals(202, accepted.statusCode(), accepted.body());
        String id = Http.json(accepted).get("id").asText();
        await(() -> "done".equals(Http.json(http.get("/v1/jobs/" + id)).get("status").asText()), "the job is done");

        SpanData httpSpan = awaitSpan(gatewaySpans, s -> s.getKind() == SpanKind.SERVER
                && s.getName().contains("/v1/generations"), "the gateway's HTTP span");
        SpanData jobSpan = awaitSpan(SAMPLER_SPANS, s -> s.getName().equals("ncsn.sampler.job")
                && id.equals(s.getAttributes().get(AttributeKey.stringKey("ncsn.job.id"))), "the sampler's job span");
        String trace = httpSpan.getTraceId();
        assertEquals(trace, jobSpan.getTraceId(), "the sampler's job span is in the HTTP request's trace");
        assertEquals("done", jobSpan.getAttributes().get(AttributeKey.stringKey("ncsn.outcome")));
        assertTrue(jobSpan.getEvents().stream().anyMatch(e -> e.getName().equals("started")), jobSpan.toString());

        // started, a frame per level, done: each read back by the gateway as a child of the sampler's job span
        await(() -> eventSpans(id).size() >= 12, "the gateway's spans for the job's 12 events");
        for (SpanData e : eventSpans(id)) {
            assertEquals(trace, e.getTraceId(), "the frames the gateway receives stay in the request's trace");
            assertEquals(jobSpan.getSpanId(), e.getParentSpanId());
        }
        assertTrue(JsonLogs.consoleIsJson(), "quarkus.log.console.json.enabled=true formats the console as JSON");
    }

    private List<SpanData> eventSpans(String jobId) {
        return gatewaySpans.getFinishedSpanItems().stream().filter(s -> s.getName().equals("ncsn.gateway.job-event")
                && jobId.equals(s.getAttributes().get(AttributeKey.stringKey("ncsn.job.id")))).toList();
    }

    private static SpanData awaitSpan(InMemorySpanExporter exporter, java.util.function.Predicate<SpanData> which,
                                      String what) {
        await(() -> exporter.getFinishedSpanItems().stream().anyMatch(which), what + " is exported");
        return exporter.getFinishedSpanItems().stream().filter(which).findFirst().orElseThrow();
    }

    private static void await(Supplier<Boolean> condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!Boolean.TRUE.equals(condition.get())) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting: " + what);
            }
            TestBackend.sleep(50);
        }
    }

    /** Whether a console handler of the root logger formats records as JSON (quarkus-logging-json's formatter). */
    static final class JsonLogs {
        static boolean consoleIsJson() throws Exception {
            for (java.util.logging.Handler h : handlers(java.util.logging.Logger.getLogger("").getHandlers())) {
                if (h instanceof org.jboss.logmanager.handlers.ConsoleHandler && h.getFormatter() != null) {
                    String line = h.getFormatter().format(new org.jboss.logmanager.ExtLogRecord(
                            java.util.logging.Level.INFO, "hello", TracingTest.class.getName()));
                    JsonNode json = Http.JSON.readTree(line);
                    return "hello".equals(json.path("message").asText());
                }
            }
            return false;
        }

        private static List<java.util.logging.Handler> handlers(java.util.logging.Handler[] top) {
            List<java.util.logging.Handler> all = new java.util.ArrayList<>();
            for (java.util.logging.Handler h : top) {
                all.add(h);
                if (h instanceof org.jboss.logmanager.ExtHandler ext) {
                    all.addAll(handlers(ext.getHandlers()));
                }
            }
            return all;
        }
    }
}
