package dev.ncsn.trainer;

import dev.ncsn.common.api.Problem;
import dev.ncsn.infra.InfrastructureTestResource;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.infra.TopicReader;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.contract.Topics;
import dev.ncsn.model.store.Bucket;
import dev.ncsn.trainer.core.TrainerFixture;
import dev.ncsn.trainer.data.DatasetCatalog;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The service as deployed: REST API, problem details, health, Prometheus metrics, events through SmallRye. The
 * model-updates topic is the one the service creates at start-up from the topic plan.
 */
@QuarkusTest
@WithTestResource(value = InfrastructureTestResource.class, initArgs = {
        @ResourceArg(name = InfrastructureTestResource.BUCKET_ARG, value = "trainer-service")})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerServiceTest {

    private static final String MODEL = "svc-model";
    private static final String TINY = "\"architecture\":{\"channels\":1,\"imageSize\":28,\"ngf\":4}";

    LocalInfrastructure infra;

    private static String runBody(String runId, int steps, int every) {
        return "{\"runId\":\"" + runId + "\",\"model\":\"" + MODEL + "\",\"data\":{\"dataset\":\"svc-data\"},"
                + TINY + ",\"steps\":" + steps + ",\"checkpointEvery\":" + every + ",\"emaRate\":0.9,\"seed\":4}";
    }

    private static Response post(String path, String body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    private static String awaitStatus(String runId, String... statuses) {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            String status = given().get("/v1/runs/" + runId).then().statusCode(200).extract().path("status");
            if (List.of(statuses).contains(status)) {
                return status;
            }
            assertNotEquals("FAILED", status, () -> given().get("/v1/runs/" + runId).asString());
            assertTrue(System.nanoTime() < deadline, runId + " is still " + status);
            TopicReader.sleep(100);
        }
    }

    @Test
    @Order(1)
    void readyWhenTheStoreAndKafkaAnswer() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.find { it.name == 'trainer' }.data.s3", containsString("reachable"))
                .body("checks.find { it.name == 'trainer' }.data.kafka", containsString("broker"));
    }

    @Test
    @Order(2)
    void badRequestsGetProblemDetails() {
        post("/v1/runs", "{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"stpes\":3}").then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE).body("status", equalTo(400))
                .body("title", equalTo("Invalid run request")).body("detail", containsString("stpes"))
                .body("instance", equalTo("/v1/runs"));
        post("/v1/runs", "{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"steps\":-5}").then().statusCode(400)
                .body("detail", containsString("steps must be"));
        post("/v1/runs", "{not json").then().statusCode(400).contentType(Problem.MEDIA_TYPE);
        given().contentType(ContentType.TEXT).body("steps=5").post("/v1/runs").then().statusCode(415)
                .contentType(Problem.MEDIA_TYPE);
        post("/v1/runs", "{\"model\":\"m\",\"data\":{\"dataset\":\"no-such-data\"}}").then().statusCode(422)
                .contentType(Problem.MEDIA_TYPE).body("detail", containsString("no-such-data"));
        // Inside the data roots (the default ones: the work directory's datasets/ among them), a missing path is 422.
        post("/v1/runs", "{\"model\":\"m\",\"data\":{\"path\":\"target/trainer-work/datasets/no-such-dir\"}}")
                .then().statusCode(422).contentType(Problem.MEDIA_TYPE).body("type", endsWith("/unknown-data"));
        given().get("/v1/runs/nope").then().statusCode(404).contentType(Problem.MEDIA_TYPE);
        given().get("/v1/runs/nope").then().statusCode(404).contentType(Problem.MEDIA_TYPE)
                .body("detail", containsString("nope"));
        given().post("/v1/runs/nope/stop").then().statusCode(404);
        given().get("/v1/models/never-trained/versions").then().statusCode(404);
        given().get("/v1/models/bad%20name/versions").then().statusCode(400);
    }

    /** An admin key cannot point a run at any file of the trainer's machine: local data only under the roots. */
    @Test
    @Order(2)
    void localDataOutsideTheDataRootsIsForbiddenWhetherItExistsOrNot() throws Exception {
        java.nio.file.Path root = java.nio.file.Path.of("target/trainer-work/datasets").toAbsolutePath();
        java.nio.file.Files.createDirectories(root);
        java.nio.file.Path escape = root.resolve("escape");
        java.nio.file.Files.deleteIfExists(escape);
        java.nio.file.Files.createSymbolicLink(escape, java.nio.file.Path.of("/etc"));
        for (String path : List.of("/etc", "/etc/passwd", "/no/such/dir", root + "/../../../pom.xml",
                escape.toString(), escape + "/passwd")) {
            for (String field : List.of("data", "heldOut")) {
                String body = field.equals("data") ? "{\"model\":\"m\",\"data\":{\"path\":\"" + path + "\"}}"
                        : "{\"model\":\"m\",\"data\":{\"path\":\"" + root + "\"},\"heldOut\":{\"path\":\"" + path
                        + "\"}}"; // the data itself is allowed: the held-out path is what is refused
                post("/v1/runs", body).then().statusCode(403).contentType(Problem.MEDIA_TYPE)
                        .body("type", endsWith("/forbidden-data-path"))
                        .body("detail", containsString(field + ": the trainer reads local data only under its data "
                                + "roots (/usr/share/datasets, /data, " + root + ")"));
            }
        }
        given().get("/v1/runs").then().statusCode(200).body("id", org.hamcrest.Matchers.not(
                org.hamcrest.Matchers.hasItem(org.hamcrest.Matchers.startsWith("run-"))));

        // Under a root the run starts (and is stopped again here: the next test needs the trainer's one run slot).
        java.nio.file.Path local = java.nio.file.Files.createDirectories(root.resolve("subset"));
        for (String name : List.of("train-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte.gz")) {
            java.nio.file.Files.write(local.resolve(name), TrainerFixture.subsetFile(name));
        }
        post("/v1/runs", "{\"runId\":\"svc-local\",\"model\":\"svc-local-model\",\"data\":{\"path\":\""
                + local + "\"}," + TINY + ",\"steps\":100000,\"checkpointEvery\":100000}").then().statusCode(201)
                .body("data.path", equalTo(local.toString()));
        given().post("/v1/runs/svc-local/stop").then().statusCode(202);
        assertEquals("STOPPED", awaitStatus("svc-local", "STOPPED"));
    }

    @Test
    @Order(3)
    void aRunPublishesVersionsThatTheApiListsWithTheirScores() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("train-images-idx3-ubyte.gz", TrainerFixture.subsetFile("train-images-idx3-ubyte.gz"));
        files.put("t10k-images-idx3-ubyte.gz", TrainerFixture.subsetFile("t10k-images-idx3-ubyte.gz"));
        new DatasetCatalog(new Bucket(infra.s3Client(), "trainer-service")).publish("svc-data", files);

        try (TopicReader events = new TopicReader(infra.kafkaBootstrapServers(), Topics.MODEL_UPDATES)) {
            post("/v1/runs", runBody("svc-run", 4, 2)).then().statusCode(201)
                    .header("Location", endsWith("/v1/runs/svc-run"))
                    .body("id", equalTo("svc-run")).body("status", equalTo("RUNNING"))
                    .body("data.version", equalTo("v1")).body("targetStep", equalTo(4));
            post("/v1/runs", runBody("svc-run", 4, 2)).then().statusCode(409);
            assertEquals("COMPLETED", awaitStatus("svc-run", "COMPLETED"));

            Response run = given().get("/v1/runs/svc-run");
            run.then().body("step", equalTo(4)).body("candidates", equalTo(2))
                    .body("versions[0].heldOutDsmLoss", notNullValue());
            given().get("/v1/runs").then().statusCode(200).body("id", org.hamcrest.Matchers.hasItem("svc-run"));

            Response versions = given().get("/v1/models/" + MODEL + "/versions");
            versions.then().statusCode(200).body("model", equalTo(MODEL)).body("versions.size()", equalTo(2))
                    .body("versions[0].promoted", equalTo(true)).body("versions[0].step", equalTo(2))
                    .body("versions[1].step", equalTo(4));
            String live = versions.path("live");
            List<Boolean> liveFlags = versions.path("versions.live");
            assertEquals(1, liveFlags.stream().filter(b -> b).count(), "exactly one version is live");
            List<Float> scores = versions.path("versions.heldOutDsmLoss");
            assertTrue(scores.stream().allMatch(s -> s > 0), scores.toString());
            String firstVersion = versions.path("versions[0].version");
            String second = versions.path("versions[1].version");
            boolean secondPromoted = versions.path("versions[1].promoted");
            assertEquals(secondPromoted ? second : firstVersion, live);
            String comparedWith = versions.path("versions[1].comparedWith");
            assertEquals(firstVersion, comparedWith);

            given().get("/v1/models/" + MODEL + "/versions/" + live + "/samples.png").then().statusCode(200)
                    .contentType("image/png");
            given().get("/v1/models/" + MODEL + "/versions/" + live + "/evaluation.json").then().statusCode(200)
                    .body("run", equalTo("svc-run"));
            given().get("/v1/models/" + MODEL + "/versions/" + live + "/nothing.txt").then().statusCode(404);
            given().get("/v1/models/" + MODEL + "/versions/" + live + "/parameters.bin").then().statusCode(400);
            given().post("/v1/runs/svc-run/stop").then().statusCode(409).body("detail", containsString("COMPLETED"));

            // the SmallRye channel announced the first version (and the second, if promoted) on the default topic
            ConsumerRecord<String, String> first = TrainerFixture.awaitEvent(events, MODEL, 0, Duration.ofSeconds(30));
            assertEquals(firstVersion, Contracts.decode(first.value(), ModelUpdate.class).version());
        }
    }

    @Test
    @Order(4)
    void aRunningRunCanBeStoppedAndResumed() {
        post("/v1/runs", runBody("svc-long", 1000, 1000)).then().statusCode(201);
        post("/v1/runs", runBody("svc-other", 10, 10)).then().statusCode(409)
                .body("detail", containsString("max-concurrent-runs"));
        awaitStep("svc-long", 1);
        given().post("/v1/runs/svc-long/stop").then().statusCode(202).body("id", equalTo("svc-long"));
        assertEquals("STOPPED", awaitStatus("svc-long", "STOPPED"));
        long stoppedAt = ((Number) given().get("/v1/runs/svc-long").path("step")).longValue();
        assertTrue(stoppedAt >= 1);

        given().post("/v1/runs/svc-long/resume").then().statusCode(202).body("status", equalTo("RUNNING"))
                .body("step", equalTo((int) stoppedAt));
        awaitStep("svc-long", stoppedAt + 1);
        given().get("/v1/runs/svc-long").then().body("stepsPerSecond", notNullValue())
                .body("smoothedLoss", notNullValue()).body("etaSeconds", notNullValue());
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String gauge : List.of("step", "loss", "steps_per_second", "eta_seconds")) {
            assertTrue(metrics.contains("ncsn_trainer_" + gauge + "{model=\"" + MODEL + "\",run=\"svc-long\"}"),
                    gauge + " of the running run: " + metrics);
        }
        given().post("/v1/runs/svc-long/stop").then().statusCode(202);
        assertEquals("STOPPED", awaitStatus("svc-long", "STOPPED"));
    }

    private static void awaitStep(String runId, long step) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (((Number) given().get("/v1/runs/" + runId).path("step")).longValue() < step) {
            assertTrue(System.nanoTime() < deadline, runId + " did not reach step " + step);
            TopicReader.sleep(100);
        }
    }

    @Test
    @Order(5)
    void prometheusMetricsShowTrainingAndPublication() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("ncsn_trainer_versions_published_total{model=\"" + MODEL + "\"} 2.0"), metrics);
        assertTrue(metrics.contains("ncsn_trainer_candidates_promoted_total{model=\"" + MODEL + "\"}"));
        assertTrue(metrics.contains("ncsn_trainer_steps_total{model=\"" + MODEL + "\"}"));
        assertTrue(metrics.contains("ncsn_trainer_candidate_held_out_loss{model=\"" + MODEL + "\"}"));
        assertTrue(metrics.contains("ncsn_trainer_runs_active"));
    }
}
