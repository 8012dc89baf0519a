package dev.ncsn.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** Paths of the repository these tests check (the module runs in deploy-tests/). */
final class Repo {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private Repo() {
    }

    static Path path(String relative) {
        return ROOT.resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A service's src/main/resources/application.properties (without profile-specific keys' effect). */
    static Properties applicationProperties(String service) {
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(path(service + "/src/main/resources/application.properties"),
                StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return props;
    }
}
