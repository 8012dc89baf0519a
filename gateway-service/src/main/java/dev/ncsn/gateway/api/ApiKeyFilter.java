package dev.ncsn.gateway.api;

import dev.ncsn.common.api.Problem;
import dev.ncsn.common.auth.Access;
import dev.ncsn.common.auth.ApiKeys;
import dev.ncsn.common.auth.Role;
import dev.ncsn.gateway.core.Json;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who may do what, when the keys file is configured: a Vert.x route ahead of every other, so it covers REST, SSE,
 * OpenAPI and metrics alike.
 * <ul>
 *   <li>open: the health checks ({@code /q/health…}) and the page's static files ({@code /}, {@code /app.js}, …),
 *       so that a browser can load the page and ask for a key;</li>
 *   <li>{@code admin}: everything else under {@code /q/} (metrics, OpenAPI);</li>
 *   <li>{@code generate}: writes under {@code /v1/} (submitting, cancelling);</li>
 *   <li>{@code read}: reads under {@code /v1/}; a job's {@code /frames} and {@code /result.png} also open with
 *       that job's stream token ({@code ?token=}, from the job's links).</li>
 * </ul>
 * The key travels in the {@value ApiKeys#HEADER} header only; a key in the query string is refused, since URLs end
 * up in access logs and browser history.
 */
@ApplicationScoped
public class ApiKeyFilter {

    static final String LEGACY_QUERY = "api_key";
    private static final Pattern JOB_FILE = Pattern.compile("^/v1/jobs/([^/]+)/(frames|result\\.png)$");

    @Inject
    Authentication auth;

    void install(@Observes Router router) {
        if (auth.enabled()) {
            router.route().order(Integer.MIN_VALUE + 1000).handler(this::check);
        }
    }

    /** The role a request needs, or null when it is open. */
    static Role needed(String path, HttpMethod method) {
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
            return read ? Role.READ : Role.GENERATE;
        }
        return null;
    }

    private void check(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        Role needed = needed(path, ctx.request().method());
        if (needed == null) {
            ctx.next();
            return;
        }
        if (ctx.request().getParam(LEGACY_QUERY) != null) {
            refuse(ctx, Access.unauthorized("API keys go in the " + ApiKeys.HEADER + " header, never in the URL "
                    + "(URLs end up in logs); event streams and downloads take the job's token from its links"));
            return;
        }
        String header = ctx.request().getHeader(ApiKeys.HEADER);
        if (header == null && needed == Role.READ && ctx.request().method() == HttpMethod.GET) {
            Matcher m = JOB_FILE.matcher(path);
            String token = ctx.request().getParam("token");
            if (m.matches() && token != null) {
                if (auth.validToken(m.group(1), token)) {
                    ctx.next();
                } else {
                    refuse(ctx, Access.unauthorized("the stream token is not valid for this job or has expired; "
                            + "GET /v1/jobs/{id} (with a key) gives a fresh one in links"));
                }
                return;
            }
        }
        Access.Decision d = Access.check(auth.keys(), header, needed);
        if (!d.allowed()) {
            refuse(ctx, d.problem());
            return;
        }
        ctx.put(Authentication.CALLER, d.caller());
        ctx.next();
    }

    private static void refuse(RoutingContext ctx, Problem p) {
        ctx.response().setStatusCode(p.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        if (p.status() == 401) {
            ctx.response().putHeader("WWW-Authenticate", Access.challenge());
        }
        ctx.response().end(Json.write(p));
    }
}
