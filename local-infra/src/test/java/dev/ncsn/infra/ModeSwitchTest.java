package dev.ncsn.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Paths;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The ncsn.infra switch (resolving it never starts anything). */
class ModeSwitchTest {

    private final String saved = System.getProperty(LocalInfrastructure.MODE_PROPERTY);

    @AfterEach
    void restore() {
        if (saved == null) {
            System.clearProperty(LocalInfrastructure.MODE_PROPERTY);
        } else {
            System.setProperty(LocalInfrastructure.MODE_PROPERTY, saved);
        }
    }

    @Test
    void propertyForcesEitherMode() {
        System.setProperty(LocalInfrastructure.MODE_PROPERTY, "embedded");
        assertEquals(LocalInfrastructure.Mode.EMBEDDED, LocalInfrastructure.resolveMode());
        System.setProperty(LocalInfrastructure.MODE_PROPERTY, "Docker");
        assertEquals(LocalInfrastructure.Mode.DOCKER, LocalInfrastructure.resolveMode());
        System.setProperty(LocalInfrastructure.MODE_PROPERTY, "testcontainers");
        assertEquals(LocalInfrastructure.Mode.DOCKER, LocalInfrastructure.resolveMode());
    }

    @Test
    void unknownValueIsAnError() {
        System.setProperty(LocalInfrastructure.MODE_PROPERTY, "kubernetes");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, LocalInfrastructure::resolveMode);
        assertTrue(e.getMessage().contains("embedded, docker or auto"));
    }

    @Test
    void autoFollowsDockerAvailability() {
        System.setProperty(LocalInfrastructure.MODE_PROPERTY, "auto");
        LocalInfrastructure.Mode expected = LocalInfrastructure.dockerAvailable()
                ? LocalInfrastructure.Mode.DOCKER : LocalInfrastructure.Mode.EMBEDDED;
        assertEquals(expected, LocalInfrastructure.resolveMode());
    }

    @Test
    void withoutAnyDockerSocketTheCheckIsFreeAndFalse() {
        boolean noDockerHere = System.getenv("DOCKER_HOST") == null
                && !Files.exists(Paths.get("/var/run/docker.sock"))
                && !Files.exists(Paths.get("/run/docker.sock"))
                && !Files.exists(Paths.get(System.getProperty("user.home"), ".testcontainers.properties"));
        if (!noDockerHere) {
            return;
        }
        long start = System.nanoTime();
        assertFalse(LocalInfrastructure.dockerAvailable());
        long micros = (System.nanoTime() - start) / 1000;
        assertTrue(micros < 200_000, "no-Docker check took " + micros + " µs");
    }
}
