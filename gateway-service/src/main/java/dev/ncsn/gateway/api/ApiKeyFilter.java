package dev.ncsn.gateway.api;

import dev.ncsn.common.api.Problem;
import dev.ncsn.gateway.config.GatewayConfig;
import dev.ncsn.gateway.core.Json;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * API keys, when {@code ncsn.gateway.api-keys} lists any: every request under {@code /v1/} and {@code /q/} needs
 * one, except the health checks ({@code /q/health…}); the page's static files ({@code /}, {@code /app.js}, …)
 * stay open so that a browser can load the page and ask for a key. The key comes in the {@code X-API-Key} header,
 * or in the {@code api_key} query parameter for clients that cannot set headers (a browser's EventSource).
 * Runs as a Vert.x route ahead of every other, so it covers REST, SSE, OpenAPI and metrics alike.
 */
@ApplicationScoped
public class ApiKeyFilter {

    static final String HEADER = "X-API-Key";
    static final String QUERY = "api_key";

    @Inject
    GatewayConfig config;

    private List<byte[]> keys = List.of();

    void install(@Observes Router router) {
        keys = config.apiKeys().orElse(List.of()).stream().map(String::strip).filter(k -> !k.isEmpty())
                .map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        if (!keys.isEmpty()) {
            router.route().order(Integer.MIN_VALUE + 1000).handler(this::check);
        }
    }

    static boolean protectedPath(String path) {
        if (path == null) {
            return true;
        }
        if (path.startsWith("/q/health")) {
            return false;
        }
        return path.startsWith("/v1") || path.startsWith("/q/") || path.equals("/q");
    }

    private void check(RoutingContext ctx) {
        if (!protectedPath(ctx.normalizedPath()) || accepted(ctx.request().getHeader(HEADER))
                || accepted(ctx.request().getParam(QUERY))) {
            ctx.next();
            return;
        }
        boolean given = ctx.request().getHeader(HEADER) != null || ctx.request().getParam(QUERY) != null;
        Problem p = Problem.of(401, "api-key", "API key required", given
                ? "the API key is not valid"
                : "this gateway needs an API key: send it in the " + HEADER + " header (or as ?" + QUERY + "=)");
        ctx.response().setStatusCode(401)
                .putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE)
                .putHeader("WWW-Authenticate", "ApiKey header=\"" + HEADER + "\"")
                .end(Json.write(p));
    }

    private boolean accepted(String candidate) {
        if (candidate == null || candidate.isEmpty()) {
            return false;
        }
        byte[] c = candidate.getBytes(StandardCharsets.UTF_8);
        boolean ok = false;
        for (byte[] k : keys) {
            ok |= MessageDigest.isEqual(k, c);
        }
        return ok;
    }
}
