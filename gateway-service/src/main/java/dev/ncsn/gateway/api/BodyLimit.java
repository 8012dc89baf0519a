package dev.ncsn.gateway.api;

import dev.ncsn.common.api.Problem;
import dev.ncsn.gateway.core.Json;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A body declared larger than {@code quarkus.http.limits.max-body-size} is answered at once with a 413 problem,
 * before a byte of it is read. (A chunked body without a length that grows past the limit is cut off by the HTTP
 * server itself, with a bare 413.)
 */
@ApplicationScoped
public class BodyLimit {

    @ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
    MemorySize maxBodySize;

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 500).handler(this::check);
    }

    private void check(RoutingContext ctx) {
        String length = ctx.request().getHeader(HttpHeaders.CONTENT_LENGTH);
        long limit = maxBodySize.asLongValue();
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.strip());
            } catch (NumberFormatException e) {
                declared = -1;
            }
            if (declared > limit) {
                Problem p = Problem.of(413, "body-too-large", "Request body too large", "the body is " + declared
                        + " bytes; the limit is " + limit + " (quarkus.http.limits.max-body-size)");
                ctx.response().setStatusCode(413).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE).end(Json.write(p));
                return;
            }
        }
        ctx.next();
    }
}
