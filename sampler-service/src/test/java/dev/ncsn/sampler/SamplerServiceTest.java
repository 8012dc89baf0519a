package dev.ncsn.sampler;

import dev.ncsn.sampler.core.HotReloadTest;
import dev.ncsn.sampler.core.SamplerFixture;
import dev.ncsn.sampler.core.TestModels;

import dev.ncsn.infra.TopicReader;
import dev.ncsn.infra.InfrastructureTestResource;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.CancelRequest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.DeadLetter;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.contract.Topics;
import dev.ncsn.model.store.ModelStore;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The service as deployed: SmallRye channels for frames, dead letters, cancels and model updates, the default
 * topic names, health and Prometheus metrics, against the shared real Kafka and S3.
 */
@QuarkusTest
@WithTestResource(InfrastructureTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SamplerServiceTest {

    private static final String MODEL = "quarkus-test-model";
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    LocalInfrastructure infra;

    @Inject
    SamplerService service;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @TestHTTPResource("/q/health/live")
    URL live;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    private static TopicReader frames;
    private static TopicReader deadLetters;
    private static KafkaProducer<String, String> producer;
    private static ModelStore store;

    private void connect() {
        if (frames == null) {
            frames = new TopicReader(infra.kafkaBootstrapServers(), Topics.FRAMES);
            deadLetters = new TopicReader(infra.kafkaBootstrapServers(), Topics.DEAD_LETTER);
            producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    infra.kafkaBootstrapServers()), new StringSerializer(), new StringSerializer());
            store = new ModelStore(infra.s3Client(), LocalInfrastructure.DEFAULT_BUCKET);
        }
    }

    @AfterAll
    static void close() {
        if (frames != null) {
            frames.close();
            deadLetters.close();
            producer.close();
        }
    }

    @Test
    @Order(1)
    void notReadyWithoutAModelThenReadyOnceAModelUpdateArrives() throws Exception {
        connect();
        assertEquals(503, get(ready).statusCode(), "no version of " + MODEL + " exists yet");
        assertEquals(200, get(live).statusCode());

        TestModels.putVersion(store, MODEL, "v1", 1);
        TestModels.setLive(store, MODEL, "v1");
        sendModelUpdate("v1");
        awaitStatus(ready, 200);
        String body = get(ready).body();
        assertTrue(body.contains("\"model." + MODEL + "\": \"v1\""), body);
    }

    @Test
    @Order(2)
    void aGenerationRequestOnTheRequestTopicEndsWithDone() {
        connect();
        send(Topics.GENERATION_REQUESTS, "svc-gen", Contracts.encode(new GenerationRequest("svc-gen", null,
                SamplerFixture.params(2, 5, 2, 2), Instant.now())));
        List<JobEvent> events = awaitTerminal("svc-gen");
        assertEquals(12, events.size(), "started, a frame per level and done");
        assertInstanceOf(JobEvent.Started.class, events.get(0));
        JobEvent.Done done = assertInstanceOf(JobEvent.Done.class, events.get(11));
        assertEquals("v1", done.modelVersion());
        assertEquals(2, done.images().size());
    }

    @Test
    @Order(3)
    void aCancelOnTheControlTopicStopsARunningJob() {
        connect();
        send(Topics.GENERATION_REQUESTS, "svc-cancel", Contracts.encode(new GenerationRequest("svc-cancel", MODEL,
                SamplerFixture.params(1, 5, 1000, 20), Instant.now()))); // 50 frames a level, the contract's cap
        frames.await(r -> "svc-cancel".equals(r.key()), TIMEOUT);
        send(Topics.CONTROL, "svc-cancel", Contracts.encode(new CancelRequest("svc-cancel", Instant.now())));
        List<JobEvent> events = awaitTerminal("svc-cancel");
        assertInstanceOf(JobEvent.Cancelled.class, events.get(events.size() - 1));
        int steps = events.stream().filter(e -> e instanceof JobEvent.Frame).mapToInt(e -> ((JobEvent.Frame) e)
                .completedSteps()).max().orElse(0);
        assertTrue(steps < 10_000, "stopped before its 10,000 steps: " + steps + " steps");
    }

    @Test
    @Order(4)
    void malformedMessagesGoToTheDeadLetterTopic() {
        connect();
        send(Topics.GENERATION_REQUESTS, "svc-bad", "{\"jobId\":\"svc-bad\",\"parameters\":{\"count\":-3}}");
        send(Topics.CONTROL, "garbage", "{\"cancel\":true}");
        send(Topics.GENERATION_REQUESTS, "svc-good", Contracts.encode(new GenerationRequest("svc-good", null,
                SamplerFixture.params(1, 5, 1, 1), Instant.now())));
        JobEvent.Failed failed = assertInstanceOf(JobEvent.Failed.class, awaitTerminal("svc-bad").get(0));
        assertTrue(failed.reason().contains("count must be between 1 and 64"), failed.reason());
        DeadLetter request = Contracts.decode(deadLetters.await(r -> "svc-bad".equals(r.key()), TIMEOUT).value(),
                DeadLetter.class);
        assertEquals(Topics.GENERATION_REQUESTS, request.topic());
        DeadLetter control = Contracts.decode(deadLetters.await(r -> "garbage".equals(r.key()), TIMEOUT).value(),
                DeadLetter.class);
        assertEquals(Topics.CONTROL, control.topic());
        assertTrue(control.reason().contains("unknown field \"cancel\""), control.reason());
        assertInstanceOf(JobEvent.Done.class, awaitTerminal("svc-good").get(11), "after started and 10 frames");
    }

    @Test
    @Order(5)
    void aModelUpdateEventSwapsTheVersionAndACorruptOneIsRefused() throws Exception {
        connect();
        TestModels.putVersion(store, MODEL, "v2", 2);
        TestModels.setLive(store, MODEL, "v2");
        sendModelUpdate("v2");
        HotReloadTest.awaitTrue(() -> "v2".equals(service.node().versions().get(MODEL)), "v2 is live");

        TestModels.putVersion(store, MODEL, "v3", 3);
        TestModels.corrupt(store, MODEL, "v3");
        TestModels.setLive(store, MODEL, "v3");
        sendModelUpdate("v3");
        HotReloadTest.awaitTrue(() -> service.node().reloader().lastFailure() != null, "v3 is refused");
        assertEquals("v2", service.node().versions().get(MODEL));
        String health = get(ready).body();
        assertTrue(health.contains("lastRejectedVersion"), health);
        assertEquals(200, get(ready).statusCode());

        send(Topics.GENERATION_REQUESTS, "svc-v2", Contracts.encode(new GenerationRequest("svc-v2", null,
                SamplerFixture.params(1, 5, 1, 1), Instant.now())));
        assertEquals("v2", ((JobEvent.Done) awaitTerminal("svc-v2").get(11)).modelVersion(), "after started and 10 frames");
    }

    @Test
    @Order(6)
    void prometheusMetricsDescribeJobsStepsAndModels() throws Exception {
        String text = get(metrics).body();
        for (String expected : List.of(
                "ncsn_sampler_jobs_total{outcome=\"done\"",
                "ncsn_sampler_jobs_total{outcome=\"cancelled\"",
                "ncsn_sampler_jobs_total{outcome=\"invalid\"",
                "ncsn_sampler_langevin_steps_total",
                "ncsn_sampler_langevin_steps_per_second",
                "ncsn_sampler_forward_pass_seconds_count",
                "ncsn_sampler_jobs_in_flight",
                "ncsn_sampler_model_info{model=\"" + MODEL + "\",version=\"v2\"}",
                "ncsn_sampler_model_reload_failures_total{model=\"" + MODEL + "\"} 1.0",
                "ncsn_sampler_model_reloads_total{model=\"" + MODEL + "\"} 2.0",
                "ncsn_sampler_events_seconds_count",
                "ncsn_sampler_events_awaited_seconds_count")) {
            assertTrue(text.contains(expected), "metrics have " + expected);
        }
        // The service's default budget is measured on the loaded network (batch.budget=auto).
        java.util.regex.Matcher budget = java.util.regex.Pattern.compile(
                "ncsn_sampler_batch_budget_images\\{model=\"" + MODEL + "\"\\} (\\d+)\\.0").matcher(text);
        assertTrue(budget.find(), "metrics have the per-pass budget");
        var measured = service.node().loader().budgets();
        assertTrue(measured.settings().isAuto() && measured.calibrations() == 1, "measured once, for the one shape");
        assertEquals(measured.results().get(0).budget() * service.node().lanes().count(),
                Integer.parseInt(budget.group(1)), "measured on one lane, times the lanes a pass is split over");
        assertFalse(text.contains("version=\"v1\""), "only the live version is reported");
    }

    private List<JobEvent> awaitTerminal(String jobId) {
        frames.await(r -> jobId.equals(r.key()) && Contracts.decode(r.value(), JobEvent.class).terminal(), TIMEOUT);
        List<JobEvent> events = new ArrayList<>();
        for (ConsumerRecord<String, String> r : frames.records()) {
            if (jobId.equals(r.key())) {
                events.add(Contracts.decode(r.value(), JobEvent.class));
            }
        }
        return events;
    }

    private void sendModelUpdate(String version) {
        send(Topics.MODEL_UPDATES, MODEL, Contracts.encode(new ModelUpdate(MODEL, version,
                ModelStore.versionPrefix(MODEL, version), 0, Map.of(), Instant.now())));
    }

    private void send(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(URL url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.toString())).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitStatus(URL url, int status) throws Exception {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (get(url).statusCode() != status) {
            if (System.nanoTime() > deadline) {
                fail(url + " did not answer " + status + ": " + get(url).body());
            }
            Thread.sleep(100);
        }
    }
}
