package dev.ncsn.common.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ncsn.common.api.Problem;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;

/**
 * The API-key check as a Vert.x route ahead of every other, for a service whose paths follow the common rule:
 * the health checks ({@code /q/health…}) open; the rest of {@code /q/} (metrics, OpenAPI) {@code admin}; under
 * {@code /v1/}, reads {@code read} and writes the service's {@code writeRole}; anything else open. A service calls
 * {@link #install} from a {@code @Observes Router} method. (The gateway adds stream tokens to this rule and so
 * has its own route, on the same {@link Access} check.)
 */
public final class ApiKeyRoute {

    /** The routing-context key under which the allowed {@link Caller} is put. */
    public static final String CALLER = "ncsn.caller";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ApiKeyRoute() {
    }

    /** Installs the check when keys are configured; does nothing on an open API. */
    public static void install(Router router, Optional<ApiKeys> keys, Role writeRole) {
        if (keys.isEmpty()) {
            return;
        }
        router.route().order(Integer.MIN_VALUE + 1000).handler(ctx -> check(ctx, keys, writeRole));
    }

    /** The role a request needs under the common rule, or null when it is open. */
    public static Role needed(String path, HttpMethod method, Role writeRole) {
        if (path == null) {
            return Role.ADMIN;
        }
        if (path.equals("/q/health") || path.startsWith("/q/health/")) {
            return null;
        }
        if (path.equals("/q") || path.startsWith("/q/")) {
            return Role.ADMIN;
        }
        if (path.equals("/v1") || path.startsWith("/v1/")) {
            boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
            return read ? Role.READ : writeRole;
        }
        return null;
    }

    private static void check(RoutingContext ctx, Optional<ApiKeys> keys, Role writeRole) {
        Role needed = needed(ctx.normalizedPath(), ctx.request().method(), writeRole);
        if (needed == null) {
            ctx.next();
            return;
        }
        if (ctx.request().getParam("api_key") != null) {
            refuse(ctx, Access.unauthorized("API keys go in the " + ApiKeys.HEADER + " header, never in the URL "
                    + "(URLs end up in logs)"));
            return;
        }
        Access.Decision d = Access.check(keys, ctx.request().getHeader(ApiKeys.HEADER), needed);
        if (!d.allowed()) {
            refuse(ctx, d.problem());
            return;
        }
        ctx.put(CALLER, d.caller());
        ctx.next();
    }

    /** Ends the request with the problem (401s with their {@code WWW-Authenticate}). */
    public static void refuse(RoutingContext ctx, Problem p) {
        String body;
        try {
            body = JSON.writeValueAsString(p);
        } catch (JsonProcessingException e) {
            body = "{\"status\":" + p.status() + "}";
        }
        ctx.response().setStatusCode(p.status()).putHeader("Content-Type", Problem.MEDIA_TYPE);
        if (p.status() == 401) {
            ctx.response().putHeader("WWW-Authenticate", Access.challenge());
        }
        ctx.response().end(body);
    }
}
