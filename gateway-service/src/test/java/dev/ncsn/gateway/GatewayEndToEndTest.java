package dev.ncsn.gateway;

import dev.ncsn.common.api.Problem;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ncsn.infra.InfrastructureTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.net.URL;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The gateway end to end: HTTP in, Kafka requests to a real sampler worker, frames back over Kafka, and out over
 * Server-Sent Events, with the model in a real S3 store.
 */
@QuarkusTest
@WithTestResource(InfrastructureTestResource.class)
class GatewayEndToEndTest {

    static final Duration TIMEOUT = Duration.ofSeconds(90);

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void backend() {
        TestBackend.start();
    }

    private Http http() {
        return new Http(base.toString());
    }

    private String submit(String body) {
        HttpResponse<String> r = http().postJson("/v1/generations", body);
        assertEquals(202, r.statusCode(), r.body());
        JsonNode job = Http.json(r);
        String id = job.get("id").asText();
        assertEquals("/v1/jobs/" + id, java.net.URI.create(r.headers().firstValue("Location").orElseThrow()).getPath());
        return id;
    }

    private static void assertGapless(List<SseClient.Event> events, long from) {
        for (int i = 0; i < events.size(); i++) {
            assertEquals(from + i, events.get(i).sequence(), "ids count up without gaps or repeats: " + ids(events));
        }
    }

    private static List<String> ids(List<SseClient.Event> events) {
        return events.stream().map(e -> e.name() + "#" + e.id()).toList();
    }

    @Test
    void aGenerationStreamsFramesForAllTenLevelsThenDoneWithAPng() throws Exception {
        Http http = http();
        HttpResponse<String> accepted = http.postJson("/v1/generations",
                "{\"count\": 4, \"seed\": 42, \"stepsPerLevel\": 2, \"frameEvery\": 1}");
        assertEquals(202, accepted.statusCode(), accepted.body());
        JsonNode job = Http.json(accepted);
        String id = job.get("id").asText();
        assertEquals("queued", job.get("status").asText());
        assertEquals("generation", job.get("kind").asText());
        assertEquals(TestBackend.MODEL, job.get("model").asText());
        assertEquals("/v1/jobs/" + id + "/frames", job.at("/links/frames").asText());
        assertFalse(job.get("links").has("result"), "no result link before the job is done: " + job);

        List<SseClient.Event> events;
        try (SseClient sse = new SseClient(http, "/v1/jobs/" + id + "/frames", null)) {
            assertEquals(200, sse.status);
            assertTrue(sse.contentType.startsWith("text/event-stream"), sse.contentType);
            events = sse.untilTerminal(TIMEOUT);
            assertTrue(sse.awaitEnd(Duration.ofSeconds(10)), "the stream ends after the terminal event");
        }
        assertGapless(events, 0);
        assertEquals(22, events.size(), "started, two frames per level, then done: " + ids(events));
        assertEquals("started", events.get(0).name());
        JsonNode started = Http.JSON.readTree(events.get(0).data());
        assertEquals("gateway-test-worker", started.get("worker").asText());
        assertEquals(TestBackend.VERSION, started.get("modelVersion").asText());
        assertEquals(20, started.get("totalSteps").asInt());
        Set<Integer> levels = new TreeSet<>();
        double previousSigma = Double.MAX_VALUE;
        for (SseClient.Event e : events.subList(1, 21)) {
            assertEquals("frame", e.name());
            JsonNode f = Http.JSON.readTree(e.data());
            levels.add(f.get("level").asInt());
            double sigma = f.get("sigma").asDouble();
            assertTrue(sigma <= previousSigma, "σ never grows");
            previousSigma = sigma;
            assertTrue(f.get("step").asInt() >= 1 && f.get("step").asInt() <= 2);
            assertEquals(TestBackend.VERSION, f.get("modelVersion").asText());
            assertEquals(10, f.get("levels").asInt());
            BufferedImage grid = TestImages.fromDataUrl(f.get("image").asText());
            assertEquals(2 * TestBackend.SIZE + 2, grid.getWidth(), "a 2×2 grid of 28-pixel tiles, 2 px apart");
        }
        assertEquals(Set.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), levels);
        SseClient.Event done = events.get(21);
        assertEquals("done", done.name());
        JsonNode d = Http.JSON.readTree(done.data());
        assertEquals(4, d.get("count").asInt());
        assertEquals("/v1/jobs/" + id + "/result.png", d.get("result").asText());
        TestImages.fromDataUrl(d.get("image").asText());

        JsonNode status = Http.json(http.get("/v1/jobs/" + id));
        assertEquals("done", status.get("status").asText());
        assertEquals(10, status.get("level").asInt());
        assertEquals(TestBackend.VERSION, status.get("modelVersion").asText());
        assertEquals(1.0, status.get("progress").asDouble());
        assertFalse(status.has("queuePosition"));

        HttpResponse<byte[]> png = http.getBytes("/v1/jobs/" + id + "/result.png");
        assertEquals(200, png.statusCode());
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(""));
        assertEquals(2 * TestBackend.SIZE + 2, TestImages.read(png.body()).getWidth());
        HttpResponse<byte[]> sample = http.getBytes("/v1/jobs/" + id + "/result.png?sample=3&download=true");
        assertEquals(200, sample.statusCode());
        assertTrue(sample.headers().firstValue("Content-Disposition").orElse("").startsWith("attachment"));
        assertEquals(TestBackend.SIZE, TestImages.read(sample.body()).getWidth());
        assertEquals(404, http.getBytes("/v1/jobs/" + id + "/result.png?sample=4").statusCode());

        // A subscriber that arrives after the end gets the same stream from the buffer.
        try (SseClient late = new SseClient(http, "/v1/jobs/" + id + "/frames", null)) {
            List<SseClient.Event> replayed = late.untilTerminal(TIMEOUT);
            assertEquals(ids(events), ids(replayed));
            assertEquals(events.get(7).data(), replayed.get(7).data());
        }
        // It shows in the list of recent jobs.
        JsonNode list = Http.json(http.get("/v1/jobs?limit=50"));
        boolean listed = false;
        for (JsonNode j : list.get("jobs")) {
            listed |= j.get("id").asText().equals(id) && j.get("status").asText().equals("done");
        }
        assertTrue(listed, list.toString());
    }

    @Test
    void aClientReconnectingWithLastEventIdResumesWithoutGapsOrRepeats() {
        Http http = http();
        String id = submit("{\"count\": 2, \"seed\": 5, \"stepsPerLevel\": 6, \"frameEvery\": 1}");
        List<SseClient.Event> first = new ArrayList<>();
        try (SseClient sse = new SseClient(http, "/v1/jobs/" + id + "/frames", null)) {
            while (first.size() < 12) {
                SseClient.Event e = sse.next(TIMEOUT);
                assertNotNull(e, "frames arrive");
                first.add(e);
            }
        }
        JsonNode running = Http.json(http.get("/v1/jobs/" + id));
        assertTrue(Set.of("running", "done").contains(running.get("status").asText()), running.toString());

        // The browser's EventSource reconnects with the id of the last event it got.
        String last = first.get(first.size() - 1).id();
        List<SseClient.Event> rest;
        try (SseClient resumed = new SseClient(http, "/v1/jobs/" + id + "/frames", last)) {
            rest = resumed.untilTerminal(TIMEOUT);
        }
        List<SseClient.Event> all = new ArrayList<>(first);
        all.addAll(rest);
        assertGapless(all, 0);
        assertEquals(62, all.size(), "started, six frames per level and done: " + ids(all));
        assertEquals("done", all.get(61).name());

        // The same with the query parameter, from the middle.
        try (SseClient resumed = new SseClient(http, "/v1/jobs/" + id + "/frames?lastEventId=30", null)) {
            List<SseClient.Event> tail = resumed.untilTerminal(TIMEOUT);
            assertGapless(tail, 31);
        }
        // Nothing left after the terminal event: 204 tells an EventSource to stop reconnecting.
        try (SseClient after = new SseClient(http, "/v1/jobs/" + id + "/frames", "61")) {
            assertEquals(204, after.status);
        }
    }

    @Test
    void inpaintingKeepsTheKnownPixelsOverJsonAndMultipart() {
        Http http = http();
        int[][] observed = TestImages.pattern(TestBackend.SIZE);
        byte[] image = TestImages.png(observed);
        byte[] mask = TestImages.png(TestImages.rightHalf(TestBackend.SIZE));
        HttpResponse<String> json = http.postJson("/v1/inpaintings", "{\"count\": 2, \"seed\": 3, \"stepsPerLevel\": 2, "
                + "\"image\": \"" + TestImages.base64(image) + "\", \"mask\": \"data:image/png;base64,"
                + TestImages.base64(mask) + "\"}");
        assertEquals(202, json.statusCode(), json.body());
        HttpResponse<String> multipart = http.postMultipart("/v1/inpaintings", Http.parts("count", "1", "seed", "4",
                "stepsPerLevel", "2", "frameEvery", "2", "image", image, "mask", mask));
        assertEquals(202, multipart.statusCode(), multipart.body());

        for (HttpResponse<String> r : List.of(json, multipart)) {
            JsonNode job = Http.json(r);
            assertEquals("inpainting", job.get("kind").asText());
            String id = job.get("id").asText();
            try (SseClient sse = new SseClient(http, "/v1/jobs/" + id + "/frames", null)) {
                List<SseClient.Event> events = sse.untilTerminal(TIMEOUT);
                assertEquals("done", events.get(events.size() - 1).name(), ids(events).toString());
            }
            int count = job.get("count").asInt();
            int generatedDiffer = 0;
            for (int s = 0; s < count; s++) {
                HttpResponse<byte[]> png = http.getBytes("/v1/jobs/" + id + "/result.png?sample=" + s);
                assertEquals(200, png.statusCode());
                BufferedImage result = TestImages.read(png.body());
                for (int y = 0; y < TestBackend.SIZE; y++) {
                    for (int x = 0; x < TestBackend.SIZE; x++) {
                        int value = result.getRaster().getSample(x, y, 0);
                        if (x < TestBackend.SIZE / 2) {
                            assertEquals(observed[y][x], value, "known pixel (" + x + ", " + y + ") of sample " + s);
                        } else if (value != observed[y][x]) {
                            generatedDiffer++;
                        }
                    }
                }
            }
            assertTrue(generatedDiffer > 0, "the masked half is generated, not copied");
        }
    }

    @Test
    void cancelStopsARunningJob() {
        Http http = http();
        String id = submit("{\"count\": 1, \"seed\": 9, \"stepsPerLevel\": 1000, \"frameEvery\": 20}");
        try (SseClient sse = new SseClient(http, "/v1/jobs/" + id + "/frames", null)) {
            SseClient.Event started = sse.next(TIMEOUT);
            assertNotNull(started);
            assertEquals("started", started.name());
            SseClient.Event first = sse.next(TIMEOUT);
            assertNotNull(first);
            assertEquals("frame", first.name());
            HttpResponse<String> cancel = http.delete("/v1/jobs/" + id);
            assertEquals(202, cancel.statusCode(), cancel.body());
            assertTrue(Http.json(cancel).get("cancelRequested").asBoolean());
            List<SseClient.Event> rest = sse.untilTerminal(TIMEOUT);
            SseClient.Event last = rest.get(rest.size() - 1);
            assertEquals("cancelled", last.name(), ids(rest).toString());
            assertTrue(last.sequence() < 400, "stopped long before its 500 frames");
        }
        JsonNode status = Http.json(http.get("/v1/jobs/" + id));
        assertEquals("cancelled", status.get("status").asText());
        assertFalse(status.has("cancelRequested"));
        HttpResponse<String> again = http.delete("/v1/jobs/" + id);
        assertEquals(409, again.statusCode());
        assertEquals(Problem.MEDIA_TYPE, again.headers().firstValue("Content-Type").orElse(""));
        assertEquals(409, http.get("/v1/jobs/" + id + "/result.png").statusCode());
    }

    @Test
    void modelsShowTheLiveVersionAndItsScores() {
        JsonNode models = Http.json(http().get("/v1/models"));
        assertEquals(TestBackend.MODEL, models.get("defaultModel").asText());
        JsonNode model = models.get("models").get(0);
        assertEquals(TestBackend.MODEL, model.get("model").asText());
        assertEquals(TestBackend.VERSION, model.get("liveVersion").asText());
        JsonNode version = model.get("versions").get(0);
        assertTrue(version.get("live").asBoolean());
        assertEquals(0.25, version.at("/metrics/heldOutDsmLoss").asDouble());
        assertEquals(28, version.get("width").asInt());
        assertEquals(1200, version.get("trainingStep").asInt());
        assertEquals("ncsn", version.get("family").asText());
        assertEquals(10, version.get("levels").asInt());
        assertFalse(version.get("finalDenoise").asBoolean(), "NCSN samples without the final step by default");
    }

    @Test
    void servesThePageTheOpenApiDocumentAndHealth() {
        Http http = http();
        HttpResponse<String> page = http.get("/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script src=\"app.js\">"), page.body());
        assertEquals(200, http.get("/app.js").statusCode());
        HttpResponse<String> openapi = http.get("/q/openapi?format=json");
        assertEquals(200, openapi.statusCode());
        JsonNode doc = Http.json(openapi);
        for (String path : List.of("/v1/generations", "/v1/inpaintings", "/v1/jobs/{id}", "/v1/jobs/{id}/frames",
                "/v1/jobs/{id}/result.png", "/v1/models")) {
            assertTrue(doc.get("paths").has(path), path + " in " + doc.get("paths").fieldNames());
        }
        HttpResponse<String> ready = http.get("/q/health/ready");
        assertEquals(200, ready.statusCode(), ready.body());
    }

    @Test
    void metricsCountJobsTheirOutcomesAndTheTimeToTheFirstFrame() {
        Http http = http();
        String id = submit("{\"count\": 1, \"seed\": 3, \"stepsPerLevel\": 1}");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!Http.json(http.get("/v1/jobs/" + id)).get("status").asText().equals("done")) {
            assertTrue(System.nanoTime() < deadline, "job " + id + " did not finish");
            TestBackend.sleep(50);
        }
        HttpResponse<String> metrics = http.get("/q/metrics");
        assertEquals(200, metrics.statusCode());
        String text = metrics.body();
        for (String line : List.of("ncsn_gateway_jobs_submitted_total{kind=\"generation\"}",
                "ncsn_gateway_jobs_finished_total{outcome=\"done\"}", "ncsn_gateway_first_frame_seconds_count",
                "ncsn_gateway_job_latency_seconds_count{outcome=\"done\"}", "ncsn_gateway_open_streams")) {
            assertTrue(text.lines().anyMatch(l -> l.startsWith(line)), line + " in\n" + text.lines()
                    .filter(l -> l.startsWith("ncsn_gateway")).toList());
        }
        double done = text.lines().filter(l -> l.startsWith("ncsn_gateway_jobs_finished_total{outcome=\"done\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertTrue(done >= 1, "at least this job: " + done);
    }
}
