package dev.ncsn.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.logging.Logger;

/**
 * The one Kafka + S3 pair per test JVM behind {@link LocalInfrastructure#shared()}: started on first use in the mode
 * {@link ModeSwitch} chooses (embedded data in a temporary directory), stopped by a shutdown hook.
 *
 * <p>"Per JVM" holds across class loaders: Quarkus loads tests and test resources in its own class loaders, where
 * this class is a second copy with its own static state. A call from such a copy asks the system class loader's copy
 * (reflectively, through {@link LocalInfrastructure#sharedDescriptor()}, so only strings cross the boundary) and
 * wraps the coordinates it gets in a non-owning handle; so plain JUnit tests and {@code @QuarkusTest}s share one pair.
 */
final class SharedInfrastructure {

    private static final Logger LOG = Logger.getLogger(SharedInfrastructure.class.getName());

    private static LocalInfrastructure shared;

    private SharedInfrastructure() {
    }

    /** The JVM-wide pair, whichever class loader asks. */
    static LocalInfrastructure get() {
        ClassLoader own = SharedInfrastructure.class.getClassLoader();
        ClassLoader system = ClassLoader.getSystemClassLoader();
        if (own != system) {
            Map<String, String> descriptor = fromSystemClassLoader(system);
            if (descriptor != null) {
                return fromDescriptor(descriptor);
            }
        }
        return here();
    }

    /** This class loader's pair as strings (starting it if needed): what another class loader receives. */
    static Map<String, String> descriptorHere() {
        return descriptor(here());
    }

    private static synchronized LocalInfrastructure here() {
        if (shared == null) {
            LocalInfrastructure.Mode mode = ModeSwitch.resolve();
            long start = System.nanoTime();
            LocalInfrastructure started;
            Path tempDir = null;
            if (mode == LocalInfrastructure.Mode.DOCKER) {
                started = LocalInfrastructure.startDocker();
            } else {
                try {
                    tempDir = Files.createTempDirectory("ncsn-infra-");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot create a temporary directory", e);
                }
                started = LocalInfrastructure.startEmbedded(tempDir);
            }
            LOG.info(() -> String.format(Locale.ROOT, "shared %s infrastructure up in %d ms: kafka %s, s3 %s",
                    mode.name().toLowerCase(Locale.ROOT), (System.nanoTime() - start) / 1_000_000,
                    started.kafkaBootstrapServers(), started.s3Endpoint()));
            Path toDelete = tempDir;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                started.closeResources();
                if (toDelete != null) {
                    LocalInfrastructure.deleteRecursively(toDelete);
                }
            }, "ncsn-infra-shutdown"));
            // the handle tests get ignores close(): the hook above stops the pair
            shared = new LocalInfrastructure(started.mode(), started.kafkaBootstrapServers(), started.s3Endpoint(),
                    started.s3AccessKey(), started.s3SecretKey(), List.of(), false);
        }
        return shared;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> fromSystemClassLoader(ClassLoader system) {
        Class<?> type;
        try {
            type = Class.forName(LocalInfrastructure.class.getName(), true, system);
        } catch (ClassNotFoundException | LinkageError e) {
            return null; // not on the system class path: this class loader owns its own pair
        }
        try {
            Method method = type.getMethod("sharedDescriptor");
            return (Map<String, String>) method.invoke(null);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("shared infrastructure did not start", e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot reach the shared infrastructure", e);
        }
    }

    private static Map<String, String> descriptor(LocalInfrastructure infra) {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("mode", infra.mode().name());
        d.put("kafka", infra.kafkaBootstrapServers());
        d.put("s3", infra.s3Endpoint());
        d.put("accessKey", infra.s3AccessKey());
        d.put("secretKey", infra.s3SecretKey());
        return d;
    }

    private static LocalInfrastructure fromDescriptor(Map<String, String> d) {
        return new LocalInfrastructure(LocalInfrastructure.Mode.valueOf(d.get("mode")), d.get("kafka"), d.get("s3"),
                d.get("accessKey"), d.get("secretKey"), List.of(), false);
    }
}
