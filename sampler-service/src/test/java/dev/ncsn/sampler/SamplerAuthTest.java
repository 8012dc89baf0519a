package dev.ncsn.sampler;

import dev.ncsn.infra.InfrastructureTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The sampler's HTTP port with the keys file: health open, metrics only with {@code admin}. */
@QuarkusTest
@TestProfile(SamplerAuthTest.Profile.class)
@WithTestResource(InfrastructureTestResource.class)
class SamplerAuthTest {

    static final String GENERATE = "gen-key-0123456789abcdef";
    static final String ADMIN = "ops-key-0123456789abcdef";

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Path file = Files.createTempFile("ncsn-sampler-keys-", ".txt");
                file.toFile().deleteOnExit();
                Files.writeString(file, "client " + GENERATE + " generate\nops " + ADMIN + " admin\n");
                return Map.of("ncsn.api-keys-file", file.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @TestHTTPResource("/")
    URL base;

    private int get(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base.toString().replaceAll("/$", "") + path));
        if (key != null) {
            b.header("X-API-Key", key);
        }
        HttpResponse<String> r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
        }
        return r.statusCode();
    }

    @Test
    void healthIsOpenAndMetricsNeedAdmin() throws Exception {
        assertEquals(200, get("/q/health/live", null));
        assertNotEquals(401, get("/q/health/ready", null));
        assertEquals(401, get("/q/metrics", null));
        assertEquals(403, get("/q/metrics", GENERATE));
        assertEquals(200, get("/q/metrics", ADMIN));
    }
}
