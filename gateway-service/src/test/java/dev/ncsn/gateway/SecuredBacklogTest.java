package dev.ncsn.gateway;

import dev.ncsn.common.api.Problem;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ncsn.infra.InfrastructureTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A gateway with API keys, on topics no worker reads (sampler group "no-workers", one partition each), with a
 * backlog limit of 3: queue positions while jobs wait, 429 with Retry-After beyond the limit, and 401 without a
 * key everywhere except health and the page.
 */
@QuarkusTest
@TestProfile(SecuredBacklogTest.Profile.class)
@WithTestResource(value = InfrastructureTestResource.class, initArgs = @ResourceArg(name = "topics",
        value = "secured.ncsn.generation-requests:1,secured.ncsn.inpainting-requests:1,secured.ncsn.frames:1,"
                + "secured.ncsn.control:1"))
class SecuredBacklogTest {

    static final String KEY = "client-key-0123456789";
    static final String READER = "reader-key-0123456789";
    static final String ADMIN = "ops-key-0123456789abcd";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Path file;
            try {
                file = Files.createTempFile("ncsn-api-keys-", ".txt");
                file.toFile().deleteOnExit();
                Files.writeString(file, "# name  key  roles\nclient " + KEY + " generate\nreader " + READER
                        + " read\nops " + ADMIN + " admin\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of(
                    "ncsn.api-keys-file", file.toString(),
                    "ncsn.gateway.sampler-group-id", "no-workers",
                    "ncsn.gateway.backlog.max-depth", "3",
                    "ncsn.gateway.backlog.cache-for", "0s",
                    "ncsn.gateway.backlog.retry-after", "7s",
                    "ncsn.gateway.topics.generation-requests", "secured.ncsn.generation-requests",
                    "ncsn.gateway.topics.inpainting-requests", "secured.ncsn.inpainting-requests",
                    "ncsn.gateway.topics.frames", "secured.ncsn.frames",
                    "ncsn.gateway.topics.control", "secured.ncsn.control");
        }
    }

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void model() {
        TestBackend.publishModel(dev.ncsn.infra.LocalInfrastructure.shared());
    }

    @Test
    void withoutAKeyOnlyHealthAndThePageAnswer() {
        Http anonymous = new Http(base.toString());
        for (String path : new String[] {"/v1/models", "/v1/jobs", "/v1/jobs/x", "/v1/jobs/x/frames", "/q/openapi"}) {
            HttpResponse<String> r = anonymous.get(path);
            assertEquals(401, r.statusCode(), path + ": " + r.body());
            assertEquals(Problem.MEDIA_TYPE, r.headers().firstValue("Content-Type").orElse(""));
            assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").contains("X-API-Key"));
            assertTrue(Http.json(r).get("detail").asText().contains("X-API-Key"), r.body());
        }
        assertEquals(401, anonymous.postJson("/v1/generations", "{\"count\": 1}").statusCode());
        HttpResponse<String> wrong = new Http(base.toString(), "not-a-key-0123456789").get("/v1/models");
        assertEquals(401, wrong.statusCode());
        assertTrue(Http.json(wrong).get("detail").asText().contains("not valid"), wrong.body());

        assertEquals(200, anonymous.get("/").statusCode());
        assertEquals(200, anonymous.get("/app.js").statusCode());
        assertEquals(200, anonymous.get("/style.css").statusCode());
        assertNotEquals(401, anonymous.get("/q/health/ready").statusCode());
        assertEquals(200, anonymous.get("/q/health/live").statusCode());
        HttpResponse<String> inUrl = anonymous.get("/v1/models?api_key=" + KEY);
        assertEquals(401, inUrl.statusCode(), "a key in the query string is refused");
        assertTrue(Http.json(inUrl).get("detail").asText().contains("never in the URL"), inUrl.body());
    }

    @Test
    void rolesDecideWhatAKeyMayDo() {
        Http reader = new Http(base.toString(), READER);
        assertEquals(200, reader.get("/v1/models").statusCode());
        assertEquals(200, reader.get("/v1/jobs").statusCode());
        HttpResponse<String> write = reader.postJson("/v1/generations", "{\"count\": 1}");
        assertEquals(403, write.statusCode(), write.body());
        assertEquals(Problem.MEDIA_TYPE, write.headers().firstValue("Content-Type").orElse(""));
        assertEquals(Problem.TYPE_BASE + "forbidden", Http.json(write).get("type").asText());
        assertTrue(Http.json(write).get("detail").asText().contains("needs the role generate"), write.body());
        assertEquals(403, reader.delete("/v1/jobs/x").statusCode());

        Http client = new Http(base.toString(), KEY);
        HttpResponse<String> openapi = client.get("/q/openapi");
        assertEquals(403, openapi.statusCode(), "OpenAPI needs admin: " + openapi.body());
        assertTrue(Http.json(openapi).get("detail").asText().contains("needs the role admin"), openapi.body());
        assertEquals(200, new Http(base.toString(), ADMIN).get("/q/openapi").statusCode());
        assertEquals(403, client.get("/q/metrics").statusCode(), "metrics need admin");
        assertEquals(401, new Http(base.toString()).get("/q/metrics").statusCode());
        assertEquals(200, new Http(base.toString(), ADMIN).get("/q/metrics").statusCode());
        assertNotEquals(401, client.get("/q/health/ready").statusCode());
    }

    @Test
    void queuedJobsShowTheirPositionAndABackedUpPoolGets429() {
        Http http = new Http(base.toString(), KEY);
        String[] ids = new String[3];
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = http.postJson("/v1/generations", "{\"count\": 1, \"stepsPerLevel\": 1}");
            assertEquals(202, r.statusCode(), r.body());
            ids[i] = Http.json(r).get("id").asText();
            assertEquals(i + 1, Http.json(r).get("queuePosition").asInt(), r.body());
        }
        JsonNode second = Http.json(http.get("/v1/jobs/" + ids[1]));
        assertEquals("queued", second.get("status").asText());
        assertEquals(2, second.get("queuePosition").asInt(), second.toString());

        HttpResponse<String> refused = http.postJson("/v1/generations", "{\"count\": 1}");
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("7", refused.headers().firstValue("Retry-After").orElse(""));
        assertEquals(Problem.TYPE_BASE + "backlog", Http.json(refused).get("type").asText());
        assertTrue(Http.json(refused).get("detail").asText().contains("3 requests are waiting"), refused.body());
        String metrics = new Http(base.toString(), ADMIN).get("/q/metrics").body();
        assertTrue(metrics.lines().anyMatch(l -> l.startsWith("ncsn_gateway_jobs_refused_total{reason=\"backlog\"}")),
                metrics);

        // The event stream of a queued job opens with the job's token from its links (EventSource cannot set
        // headers); the token opens that job only.
        String frames = Http.json(http.get("/v1/jobs/" + ids[0])).at("/links/frames").asText();
        assertTrue(frames.startsWith("/v1/jobs/" + ids[0] + "/frames?token="), frames);
        Http anonymous = new Http(base.toString());
        try (SseClient sse = new SseClient(anonymous, frames, null)) {
            assertEquals(200, sse.status);
            assertNull(sse.next(Duration.ofMillis(300)), "a queued job has no frames yet");
        }
        String token = frames.substring(frames.indexOf("token="));
        HttpResponse<String> other = anonymous.get("/v1/jobs/" + ids[1] + "/frames?" + token);
        assertEquals(401, other.statusCode(), "another job's token: " + other.body());
        assertEquals(401, anonymous.get("/v1/jobs/" + ids[0] + "?" + token).statusCode(), "only frames and result");
        assertEquals(401, anonymous.get("/v1/jobs/" + ids[0] + "/frames?token=1.forged").statusCode());
    }

    @Test
    void bindsToLocalhostByDefault() {
        // The test profile's overrides do not touch it: this is application.properties' value.
        assertEquals("127.0.0.1", ConfigProvider.getConfig().getValue("quarkus.http.host", String.class));
    }
}
