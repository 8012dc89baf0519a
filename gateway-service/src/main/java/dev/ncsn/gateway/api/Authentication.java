package dev.ncsn.gateway.api;

import dev.ncsn.common.auth.ApiKeys;
import dev.ncsn.common.auth.Caller;
import dev.ncsn.gateway.config.GatewayConfig;
import dev.ncsn.gateway.core.StreamTokens;
import io.vertx.ext.web.RoutingContext;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.Optional;

/**
 * The gateway's keys, from the keys file every service reads ({@code NCSN_API_KEYS_FILE}), and the stream tokens
 * signed with the file's secret. Loaded at start-up: a file that cannot be read stops the gateway rather than
 * leaving it open.
 */
@ApplicationScoped
public class Authentication {

    private static final Logger LOG = Logger.getLogger(Authentication.class);
    static final String CALLER = "ncsn.caller";

    @ConfigProperty(name = ApiKeys.SETTING)
    Optional<String> keysFile;

    @Inject
    GatewayConfig config;

    private Optional<ApiKeys> keys = Optional.empty();
    private StreamTokens tokens;

    @PostConstruct
    void load() {
        if (config.apiKeys().map(k -> k.stream().anyMatch(s -> !s.isBlank())).orElse(false)) {
            throw new IllegalStateException("ncsn.gateway.api-keys (NCSN_GATEWAY_API_KEYS) is no longer read: "
                    + "put the keys, with their roles, in a file and name it in NCSN_API_KEYS_FILE");
        }
        keys = ApiKeys.fromSetting(keysFile);
        tokens = keys.map(k -> new StreamTokens(k.secret(), config.streamTokenTtl(), Clock.systemUTC()))
                .orElse(null);
        LOG.infof("API keys: %s", keys.map(k -> k.size() + " keys from " + keysFile.orElseThrow())
                .orElse("not configured (open API)"));
    }

    public Optional<ApiKeys> keys() {
        return keys;
    }

    public boolean enabled() {
        return keys.isPresent();
    }

    /** A token for the job's stream and result, or null on an open API (the links need none). */
    public String tokenFor(String jobId) {
        return tokens == null ? null : tokens.issue(jobId);
    }

    boolean validToken(String jobId, String token) {
        return tokens != null && tokens.valid(jobId, token);
    }

    /** The caller the API-key route let through, or empty (an open API, or a stream token). */
    public static Optional<Caller> caller(RoutingContext ctx) {
        return ctx == null ? Optional.empty() : Optional.ofNullable(ctx.get(CALLER));
    }
}
