package dev.ncsn.trainer.api;

import dev.ncsn.common.auth.ApiKeyRoute;
import dev.ncsn.common.auth.ApiKeys;
import dev.ncsn.common.auth.Role;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Optional;

/**
 * API keys on the trainer, from the keys file every service reads ({@code NCSN_API_KEYS_FILE}): starting,
 * stopping and resuming runs need {@code admin}; reading runs and models needs any key; metrics and OpenAPI need
 * {@code admin}; health stays open. Without the file the API is open (and bound to 127.0.0.1 by default).
 */
@ApplicationScoped
public class TrainerAccess {

    @ConfigProperty(name = ApiKeys.SETTING)
    Optional<String> keysFile;

    void install(@Observes Router router) {
        ApiKeyRoute.install(router, ApiKeys.fromSetting(keysFile), Role.ADMIN);
    }
}
