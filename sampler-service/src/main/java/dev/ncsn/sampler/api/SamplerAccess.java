package dev.ncsn.sampler.api;

import dev.ncsn.common.auth.ApiKeyRoute;
import dev.ncsn.common.auth.ApiKeys;
import dev.ncsn.common.auth.Role;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Optional;

/**
 * API keys on the sampler, from the keys file every service reads ({@code NCSN_API_KEYS_FILE}): its HTTP port
 * has only health (open) and metrics (which need {@code admin}); jobs reach it through Kafka, never HTTP.
 */
@ApplicationScoped
public class SamplerAccess {

    @ConfigProperty(name = ApiKeys.SETTING)
    Optional<String> keysFile;

    void install(@Observes Router router) {
        ApiKeyRoute.install(router, ApiKeys.fromSetting(keysFile), Role.ADMIN);
    }
}
