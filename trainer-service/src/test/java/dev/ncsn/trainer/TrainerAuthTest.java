package dev.ncsn.trainer;

import dev.ncsn.infra.InfrastructureTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/**
 * The trainer with the keys file every service reads: an unauthenticated write is refused, a key without
 * {@code admin} cannot start a training run, an {@code admin} key gets past the check; health stays open, metrics
 * need {@code admin}.
 */
@QuarkusTest
@TestProfile(TrainerAuthTest.Profile.class)
@WithTestResource(value = InfrastructureTestResource.class, initArgs = {
        @ResourceArg(name = InfrastructureTestResource.BUCKET_ARG, value = "trainer-auth")})
class TrainerAuthTest {

    static final String GENERATE = "gen-key-0123456789abcdef";
    static final String ADMIN = "ops-key-0123456789abcdef";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path file = Files.createTempFile("ncsn-trainer-keys-", ".txt");
                file.toFile().deleteOnExit();
                Files.writeString(file, "client " + GENERATE + " generate\nops " + ADMIN + " admin\n");
                return Map.of("ncsn.api-keys-file", file.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final String RUN = "{\"runId\":\"auth-run\",\"model\":\"m\",\"data\":{\"dataset\":\"none\"}}";

    @Test
    void writesNeedAdmin() {
        given().contentType(ContentType.JSON).body(RUN).post("/v1/runs").then().statusCode(401)
                .contentType("application/problem+json").header("WWW-Authenticate", containsString("X-API-Key"));
        given().header("X-API-Key", GENERATE).contentType(ContentType.JSON).body(RUN).post("/v1/runs").then()
                .statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("https://ncsn.dev/problems/forbidden"))
                .body("detail", containsString("needs the role admin"));
        given().header("X-API-Key", GENERATE).post("/v1/runs/auth-run/stop").then().statusCode(403);
        // admin gets past the check (the run itself is refused for its unknown dataset, not for the key)
        given().header("X-API-Key", ADMIN).contentType(ContentType.JSON).body(RUN).post("/v1/runs").then()
                .statusCode(not(403)).statusCode(not(401));
        given().header("X-API-Key", GENERATE).get("/v1/runs/none").then().statusCode(not(401)).statusCode(not(403));
        given().get("/v1/runs/none").then().statusCode(401);
    }

    @Test
    void healthIsOpenAndMetricsNeedAdmin() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(401);
        given().header("X-API-Key", GENERATE).get("/q/metrics").then().statusCode(403);
        given().header("X-API-Key", ADMIN).get("/q/metrics").then().statusCode(200);
        given().get("/v1/runs/none?api_key=" + ADMIN).then().statusCode(401);
    }
}
