package dev.ncsn.common.auth;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The common route on a real Vert.x server, with the trainer's rule (writes need {@code admin}): an
 * unauthenticated write is refused, a {@code generate} key cannot start a run, an {@code admin} key can; health
 * stays open; metrics need {@code admin}; a key in the URL is refused.
 */
class ApiKeyRouteTest {

    static Vertx vertx;
    static HttpServer server;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        ApiKeyRoute.install(router, Optional.of(ApiKeys.parse(ApiKeysTest.FILE, "keys")), Role.ADMIN);
        router.route().handler(ctx -> {
            Caller c = ctx.get(ApiKeyRoute.CALLER);
            ctx.response().end("ok " + (c == null ? "-" : c.name()));
        });
        server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    static HttpResponse<String> send(String method, String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (key != null) {
            b.header("X-API-Key", key);
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void writesNeedTheServicesWriteRole() throws Exception {
        HttpResponse<String> anonymous = send("POST", "/v1/runs", null);
        assertEquals(401, anonymous.statusCode());
        assertEquals("application/problem+json", anonymous.headers().firstValue("Content-Type").orElse(""));
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").contains("X-API-Key"));
        assertTrue(anonymous.body().contains("\"type\":\"https://ncsn.dev/problems/api-key\""), anonymous.body());

        HttpResponse<String> generate = send("POST", "/v1/runs", "alice-key-0123456789abcdef");
        assertEquals(403, generate.statusCode(), "a key without admin cannot start a training run");
        assertTrue(generate.body().contains("needs the role admin"), generate.body());
        assertEquals(403, send("POST", "/v1/runs/r1/stop", "viewer-key-0123456789abcdef").statusCode());

        HttpResponse<String> admin = send("POST", "/v1/runs", "ops-key-0123456789abcdef0");
        assertEquals(200, admin.statusCode());
        assertEquals("ok ops", admin.body());
        assertEquals("ok viewer", send("GET", "/v1/runs", "viewer-key-0123456789abcdef").body());
        assertEquals(401, send("GET", "/v1/runs", null).statusCode());
    }

    @Test
    void healthIsOpenMetricsNeedAdminAndKeysStayOutOfUrls() throws Exception {
        assertEquals(200, send("GET", "/q/health/ready", null).statusCode());
        assertEquals(200, send("GET", "/q/health", null).statusCode());
        assertEquals(401, send("GET", "/q/metrics", null).statusCode());
        assertEquals(403, send("GET", "/q/metrics", "alice-key-0123456789abcdef").statusCode());
        assertEquals(200, send("GET", "/q/metrics", "ops-key-0123456789abcdef0").statusCode());
        HttpResponse<String> inUrl = send("GET", "/v1/runs?api_key=ops-key-0123456789abcdef0", null);
        assertEquals(401, inUrl.statusCode());
        assertTrue(inUrl.body().contains("never in the URL"), inUrl.body());
        assertEquals(401, send("GET", "/q/health/../metrics", null).statusCode(), "normalized before the rule");
    }

    @Test
    void anOpenApiInstallsNothing() throws Exception {
        Vertx v = Vertx.vertx();
        try {
            Router router = Router.router(v);
            ApiKeyRoute.install(router, Optional.empty(), Role.ADMIN);
            assertEquals(0, router.getRoutes().size());
        } finally {
            v.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
