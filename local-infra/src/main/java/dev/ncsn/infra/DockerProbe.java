package dev.ncsn.infra;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether Testcontainers can reach a Docker engine. Cheap when there is none: Testcontainers (whose first contact
 * takes seconds) is only asked when {@code DOCKER_HOST}, a Testcontainers config or a known socket exists, and only
 * when it is on the class path.
 */
final class DockerProbe {

    private DockerProbe() {
    }

    static boolean available() {
        if (!hint()) {
            return false;
        }
        try {
            Class.forName("org.testcontainers.DockerClientFactory", false, DockerProbe.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        try {
            return DockerInfrastructure.available();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** A sign that a Docker engine may answer: an address, a config, or a socket where the usual runtimes put one. */
    private static boolean hint() {
        if (notBlank(System.getenv("DOCKER_HOST")) || notBlank(System.getProperty("docker.host"))) {
            return true;
        }
        String home = System.getProperty("user.home", "");
        String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
        List<String> candidates = new ArrayList<>(List.of(
                "/var/run/docker.sock",
                "/run/docker.sock",
                home + "/.testcontainers.properties",
                home + "/.docker/run/docker.sock",
                home + "/.docker/desktop/docker.sock",
                home + "/.colima/default/docker.sock",
                home + "/.colima/docker.sock",
                home + "/.rd/docker.sock",
                home + "/.orbstack/run/docker.sock"));
        if (notBlank(runtimeDir)) {
            candidates.add(runtimeDir + "/docker.sock");
            candidates.add(runtimeDir + "/podman/podman.sock");
            candidates.add(runtimeDir + "/.docker/run/docker.sock");
        }
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("win")) {
            return true; // named pipes cannot be checked as files; let Testcontainers decide
        }
        return candidates.stream().anyMatch(c -> Files.exists(Paths.get(c)));
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
