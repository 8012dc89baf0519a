package dev.ncsn.infra;

import java.util.Locale;

/**
 * The switch between the embedded pair and Docker: the system property {@value LocalInfrastructure#MODE_PROPERTY},
 * else the environment variable {@value LocalInfrastructure#MODE_ENV}, = {@code embedded}, {@code docker} (or
 * {@code testcontainers}), or {@code auto}/unset: Docker when {@link DockerProbe} finds one, else embedded.
 */
final class ModeSwitch {

    private ModeSwitch() {
    }

    static LocalInfrastructure.Mode resolve() {
        String value = System.getProperty(LocalInfrastructure.MODE_PROPERTY);
        if (value == null || value.isBlank()) {
            value = System.getenv(LocalInfrastructure.MODE_ENV);
        }
        String choice = value == null || value.isBlank() ? "auto" : value.trim().toLowerCase(Locale.ROOT);
        return switch (choice) {
            case "embedded" -> LocalInfrastructure.Mode.EMBEDDED;
            case "docker", "testcontainers" -> LocalInfrastructure.Mode.DOCKER;
            case "auto" -> DockerProbe.available() ? LocalInfrastructure.Mode.DOCKER : LocalInfrastructure.Mode.EMBEDDED;
            default -> throw new IllegalArgumentException(
                    LocalInfrastructure.MODE_PROPERTY + " must be embedded, docker or auto, not '" + value + "'");
        };
    }
}
