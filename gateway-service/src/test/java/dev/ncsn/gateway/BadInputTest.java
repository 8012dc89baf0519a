package dev.ncsn.gateway;

import dev.ncsn.common.api.Problem;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ncsn.infra.InfrastructureTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.http.HttpResponse;

import static org.junit.jupiter.api.Assertions.*;

/** Every kind of bad input gets a clear 4xx problem document, never a 500. */
@QuarkusTest
@WithTestResource(InfrastructureTestResource.class)
class BadInputTest {

    private static final int SIZE = TestBackend.SIZE;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void model() {
        TestBackend.start();
    }

    private Http http() {
        return new Http(base.toString());
    }

    /** Asserts a problem response: status, media type, type suffix and a detail containing the words. */
    private static JsonNode problem(HttpResponse<String> r, int status, String type, String detailContains) {
        assertEquals(status, r.statusCode(), r.body());
        assertEquals(Problem.MEDIA_TYPE, r.headers().firstValue("Content-Type").orElse(""), r.body());
        JsonNode p = Http.json(r);
        assertEquals(status, p.get("status").asInt());
        assertEquals(Problem.TYPE_BASE + type, p.get("type").asText(), r.body());
        assertTrue(p.get("detail").asText().contains(detailContains),
                "detail should contain \"" + detailContains + "\": " + p.get("detail").asText());
        return p;
    }

    private HttpResponse<String> generate(String json) {
        return http().postJson("/v1/generations", json);
    }

    private HttpResponse<String> inpaint(String image, String mask) {
        return http().postJson("/v1/inpaintings", "{\"count\": 1" + (image == null ? "" : ", \"image\": \"" + image + "\"")
                + (mask == null ? "" : ", \"mask\": \"" + mask + "\"") + "}");
    }

    @Test
    void malformedJson() {
        problem(generate("{\"count\": 4"), 400, "malformed-request", "malformed JSON");
        problem(generate("count=4"), 400, "malformed-request", "malformed JSON");
        problem(generate("{\"count\": 4} {}"), 400, "malformed-request", "malformed JSON");
        problem(generate("{\"count\": 4, \"count\": 5}"), 400, "malformed-request", "Duplicate field 'count'");
        problem(generate(""), 400, "malformed-request", "the request body is empty");
        problem(generate("[4]"), 400, "malformed-request", "must be a JSON object");
        problem(generate("null"), 400, "malformed-request", "must be a JSON object");
    }

    @Test
    void unknownFieldsAndWrongTypes() {
        problem(generate("{\"count\": 4, \"colour\": \"red\"}"), 400, "malformed-request", "unknown field \"colour\"");
        problem(generate("{\"count\": \"four\"}"), 400, "malformed-request", "field \"count\" must be an integer");
        problem(generate("{\"count\": 1.5}"), 400, "malformed-request", "field \"count\" must be an integer");
        problem(generate("{\"count\": 99999999999}"), 400, "malformed-request", "count");
        problem(generate("{\"count\": 4, \"stepSize\": \"small\"}"), 400, "malformed-request",
                "field \"stepSize\" must be a number");
        problem(generate("{\"count\": 4, \"denoisedPreview\": \"yes\"}"), 400, "malformed-request",
                "field \"denoisedPreview\" must be true or false");
        problem(generate("{\"count\": 4, \"model\": 7}"), 400, "malformed-request", "field \"model\" must be a string");
        problem(http().post("/v1/generations", "text/plain", "{\"count\": 4}"), 415, "unsupported-media-type",
                "application/json");
    }

    @Test
    void valuesOutOfRange() {
        problem(generate("{}"), 422, "invalid-request", "count is required");
        problem(generate("{\"count\": 0}"), 422, "invalid-request", "count must be between 1 and 64, got 0");
        problem(generate("{\"count\": 65}"), 422, "invalid-request", "count must be between 1 and 64, got 65");
        problem(generate("{\"count\": 4, \"stepsPerLevel\": 0}"), 422, "invalid-request",
                "stepsPerLevel must be between 1 and 1000, got 0");
        problem(generate("{\"count\": 4, \"stepsPerLevel\": 1001}"), 422, "invalid-request",
                "stepsPerLevel must be between 1 and 1000");
        problem(generate("{\"count\": 4, \"stepSize\": 0.5}"), 422, "invalid-request", "stepSize must be in (0, 0.01]");
        problem(generate("{\"count\": 4, \"stepSize\": -1e-5}"), 422, "invalid-request", "stepSize");
        problem(generate("{\"count\": 4, \"frameEvery\": 0}"), 422, "invalid-request", "frameEvery must be at least 1");
        JsonNode several = problem(generate("{\"count\": 0, \"stepsPerLevel\": 0}"), 422, "invalid-request", "count");
        assertEquals(2, several.get("errors").size(), several.toString());
        problem(http().get("/v1/jobs?limit=0"), 422, "invalid-request", "limit must be between 1 and 200");
    }

    @Test
    void unknownSamplersAndSamplerOptionsAre422sAndTheCostOfAChoiceIsKnown() {
        problem(generate("{\"count\": 4, \"sampler\": \"ddim\"}"), 422, "invalid-request",
                "unknown sampler \"ddim\"; known samplers: annealed-langevin, langevin, predictor-corrector");
        problem(generate("{\"count\": 4, \"sampler\": \"predictor-corrector\", \"samplerOptions\": {\"snrr\": 1}}"),
                422, "invalid-request", "sampler predictor-corrector has no option \"snrr\"");
        problem(generate("{\"count\": 4, \"sampler\": \"walk-jump\", \"samplerOptions\": {\"level\": true}}"),
                422, "invalid-request", "option \"level\" of sampler walk-jump must be a number");
        var cost = Http.json(http().get("/v1/samplers/cost?sampler=predictor-corrector&stepsPerLevel=3"
                + "&samplerOptions=%7B%22correctorSteps%22%3A2%7D&finalDenoise=true"));
        assertEquals(10 * 3 * 3 + 1, cost.get("networkEvaluations").asInt());
        assertEquals(TestBackend.MODEL, cost.get("model").asText(), "priced on the default model's live version");
        problem(http().get("/v1/samplers/cost?sampler=ddim"), 422, "invalid-request", "unknown sampler");
        // a level-conditioned NCSN network has only its trained levels; a job asking for others would fail too
        problem(http().get("/v1/samplers/cost?sampler=probability-flow&levels=5"), 422,
                "invalid-request", "conditioned on its 10 trained noise levels");
        problem(http().get("/v1/samplers/cost?model=no-such-model"), 422, "unknown-model", "no-such-model");

        // An NCSNv2 model: its own 7 levels, the final step by default, and levels of the sampler's own
        TestBackend.publishNcsnV2Model(dev.ncsn.infra.LocalInfrastructure.shared(), "cost-v2",
                new dev.ncsn.model.NoiseSchedule(5.0, 0.01, 7));
        var v2 = Http.json(http().get("/v1/samplers/cost?model=cost-v2&sampler=annealed-langevin&stepsPerLevel=4"));
        assertEquals("ncsnv2", v2.get("family").asText());
        assertEquals(7, v2.get("levels").asInt());
        assertTrue(v2.get("finalDenoise").asBoolean(), "NCSNv2's default when the request does not say");
        assertEquals(7 * 4 + 1, v2.get("networkEvaluations").asInt());
        assertEquals(dev.ncsn.model.schedule.ScheduleDesigner.stepSizeFor(new dev.ncsn.model.NoiseSchedule(5.0, 0.01, 7),
                4), v2.get("stepSize").asDouble(), 1e-12, "Technique 4's ε for the chosen T, which the page shows");
        // T and ε left open: the model's design (T = 5, Technique 4's ε for its levels), as its jobs would run
        var unsaid = Http.json(http().get("/v1/samplers/cost?model=cost-v2"));
        assertEquals(5, unsaid.get("stepsPerLevel").asInt());
        assertEquals(7 * 5 + 1, unsaid.get("networkEvaluations").asInt());
        assertEquals(dev.ncsn.model.schedule.ScheduleDesigner.stepSizeFor(new dev.ncsn.model.NoiseSchedule(5.0, 0.01, 7),
                5), unsaid.get("stepSize").asDouble(), 1e-12);
        // the models list caches the store's model names (ncsn.gateway.model-cache-for, 5 s): wait for the new one
        JsonNode version = null;
        for (long deadline = System.nanoTime() + 30_000_000_000L; version == null && System.nanoTime() < deadline; ) {
            var listed = Http.json(http().get("/v1/models"));
            version = java.util.stream.StreamSupport.stream(listed.get("models").spliterator(), false)
                    .filter(m -> m.get("model").asText().equals("cost-v2")).findFirst()
                    .map(m -> m.get("versions").get(0)).orElse(null);
            if (version == null) {
                TestBackend.sleep(250);
            }
        }
        assertNotNull(version, "cost-v2 listed within 30 s");
        assertEquals(5, version.get("stepsPerLevel").asInt(), "the page starts its field there");
        assertTrue(version.get("finalDenoise").asBoolean());
        var fewer = Http.json(http().get("/v1/samplers/cost?model=cost-v2&sampler=probability-flow&stepsPerLevel=1"
                + "&levels=3&finalDenoise=false"));
        assertEquals(3, fewer.get("levels").asInt());
        assertEquals(3, fewer.get("networkEvaluations").asInt());
        var list = Http.json(http().get("/v1/samplers"));
        org.junit.jupiter.api.Assertions.assertEquals("annealed-langevin", list.get(0).get("name").asText());
    }

    @Test
    void unknownModels() {
        problem(generate("{\"count\": 4, \"model\": \"no-such-model\"}"), 422, "unknown-model",
                "unknown model \"no-such-model\"");
        problem(generate("{\"count\": 4, \"model\": \"../etc\"}"), 422, "invalid-request", "model name must be");
        problem(http().postJson("/v1/inpaintings", "{\"count\": 1, \"model\": \"nope\", \"image\": \"AA==\", "
                + "\"mask\": \"AA==\"}"), 422, "unknown-model", "unknown model \"nope\"");
    }

    @Test
    void boundsOnFramesWorkAndImageSize() {
        problem(generate("{\"count\": 1, \"stepsPerLevel\": 1000, \"frameEvery\": 1}"), 422, "invalid-request",
                "frameEvery must be at least 20 with 1000 steps per level (at most 50 frames per level)");
        problem(generate("{\"count\": 64, \"stepsPerLevel\": 1000}"), 422, "invalid-request",
                "count × stepsPerLevel must be at most 32000");
        HttpResponse<String> huge = http().postJson("/v1/inpaintings", "{\"count\": 1, \"image\": \""
                + "A".repeat(5 * 1024 * 1024) + "\"}");
        problem(huge, 413, "body-too-large", "the limit is 4194304");
        // A few kB declaring 46,000 × 46,000 pixels: refused from its header, before a 2 GB raster is allocated.
        byte[] bomb = TestImages.declaredPng(46_000, 46_000);
        String mask = TestImages.base64(TestImages.png(TestImages.rightHalf(SIZE)));
        problem(inpaint(TestImages.base64(bomb), mask), 422, "invalid-request",
                "image is 46000×46000 pixels; the model takes 28×28");
        problem(http().postMultipart("/v1/inpaintings", Http.parts("count", "1", "image",
                TestImages.png(TestImages.pattern(SIZE)), "mask", bomb)), 422, "invalid-request",
                "mask is 46000×46000 pixels");
    }

    @Test
    void imagesAndMasksOfTheWrongSizeOrFormat() {
        String image = TestImages.base64(TestImages.png(TestImages.pattern(SIZE)));
        String mask = TestImages.base64(TestImages.png(TestImages.rightHalf(SIZE)));
        problem(inpaint(TestImages.base64(TestImages.png(TestImages.pattern(8))), mask), 422, "invalid-request",
                "image is 8×8 pixels; the model takes 28×28");
        problem(inpaint(image, TestImages.base64(TestImages.png(TestImages.rightHalf(32)))), 422, "invalid-request",
                "mask is 32×32 pixels; the model takes 28×28");
        problem(inpaint(image, TestImages.base64(TestImages.jpeg(SIZE))), 422, "invalid-request",
                "mask is not a PNG (it looks like a JPEG)");
        problem(inpaint(TestImages.base64("hello, not an image".getBytes()), mask), 422, "invalid-request",
                "image is not a PNG");
        problem(inpaint("%%%not base64%%%", mask), 422, "invalid-request", "image is not valid base64");
        problem(inpaint(image, TestImages.base64(TestImages.png(new int[SIZE][SIZE]))), 422, "invalid-request",
                "mask marks no pixel to generate");
        problem(inpaint(image, null), 422, "invalid-request", "mask is required");
        problem(inpaint(null, null), 422, "invalid-request", "image is required");
        JsonNode both = problem(inpaint(TestImages.base64(TestImages.png(TestImages.pattern(8))),
                TestImages.base64(TestImages.jpeg(SIZE))), 422, "invalid-request", "image is 8×8");
        assertEquals(2, both.get("errors").size(), "both problems are reported: " + both);

        byte[] png = TestImages.png(TestImages.pattern(SIZE));
        problem(http().postMultipart("/v1/inpaintings", Http.parts("count", "1", "colour", "red", "image", png,
                "mask", png)), 400, "malformed-request", "unknown part \"colour\"");
        problem(http().postMultipart("/v1/inpaintings", Http.parts("count", "one", "image", png, "mask", png)),
                400, "malformed-request", "field \"count\" must be an integer");
        problem(http().postMultipart("/v1/inpaintings", Http.parts("count", "1", "image", TestImages.png(
                TestImages.pattern(10)), "mask", png)), 422, "invalid-request", "image is 10×10 pixels");
    }

    @Test
    void unknownJobsPathsAndMethods() {
        Http http = http();
        problem(http.get("/v1/jobs/no-such-job"), 404, "unknown-job", "no job no-such-job");
        problem(http.delete("/v1/jobs/no-such-job"), 404, "unknown-job", "no-such-job");
        problem(http.get("/v1/jobs/no-such-job/result.png"), 404, "unknown-job", "no-such-job");
        problem(http.get("/v1/jobs/no-such-job/frames"), 404, "unknown-job", "no-such-job");
        problem(http.get("/v1/nothing-here"), 404, "not-found", "/v1/nothing-here");
        problem(http.method("PUT", "/v1/generations"), 405, "method-not-allowed", "not allowed");
    }

    @Test
    void aBadLastEventIdIsRejected() {
        HttpResponse<String> accepted = generate("{\"count\": 1, \"stepsPerLevel\": 1}");
        assertEquals(202, accepted.statusCode(), accepted.body());
        String id = Http.json(accepted).get("id").asText();
        HttpResponse<String> r = http().send(http().builder("/v1/jobs/" + id + "/frames")
                .header("Last-Event-ID", "yesterday").GET());
        problem(r, 400, "malformed-request", "Last-Event-ID must be an event id");
    }
}
