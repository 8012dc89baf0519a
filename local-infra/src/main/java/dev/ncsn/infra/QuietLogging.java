package dev.ncsn.infra;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Turns the embedded servers' logging down to WARN, whatever SLF4J binding the caller has.
 *
 * <p>The Kafka broker and S3Proxy log through SLF4J. Under Quarkus that ends in JBoss LogManager
 * (whose loggers are also the JUL loggers when it is the JUL manager), in plain tests it may end
 * in slf4j-simple or JUL. Each of these is set here, before the servers create their loggers.
 * The level can be raised for debugging with {@code -Dncsn.infra.log-level=INFO} (or DEBUG).
 */
final class QuietLogging {

    /** System property naming the level of the servers' loggers: ERROR, WARN (default), INFO, DEBUG. */
    static final String LEVEL_PROPERTY = "ncsn.infra.log-level";

    /** Logger categories of the Kafka broker, S3Proxy and its shaded Jetty, and the clients used here. */
    static final List<String> CATEGORIES = List.of(
            "kafka",
            "org.apache.kafka",
            "state.change.logger",
            "org.gaul",
            "org.eclipse.jetty",
            "io.minio",
            "org.testcontainers",
            "tc",
            "com.github.dockerjava");

    /**
     * Single-node notices at WARN that say nothing actionable here ("the metadata log appears to
     * be empty" on first start): ERROR only.
     */
    static final List<String> ERROR_ONLY = List.of("org.apache.kafka.controller.QuorumController");

    /** JUL keeps loggers weakly: hold them so the levels set here survive garbage collection. */
    private static final List<Object> HELD = new ArrayList<>();

    private static boolean applied;

    private QuietLogging() {
    }

    static synchronized void apply() {
        if (applied) {
            return;
        }
        applied = true;
        String name = System.getProperty(LEVEL_PROPERTY, "WARN").trim().toUpperCase(Locale.ROOT);
        Level julLevel = switch (name) {
            case "ERROR" -> Level.SEVERE;
            case "INFO" -> Level.INFO;
            case "DEBUG" -> Level.FINE;
            case "TRACE" -> Level.FINEST;
            default -> Level.WARNING;
        };
        String simpleLevel = name.equals("ERROR") || name.equals("INFO") || name.equals("DEBUG")
                || name.equals("TRACE") ? name.toLowerCase(Locale.ROOT) : "warn";

        Method jbossGetLogger = jbossGetLogger();
        for (String category : CATEGORIES) {
            setLevel(category, simpleLevel, julLevel, jbossGetLogger);
        }
        if (julLevel.intValue() >= Level.WARNING.intValue()) {
            for (String category : ERROR_ONLY) {
                setLevel(category, "error", Level.SEVERE, jbossGetLogger);
            }
        }
    }

    private static void setLevel(String category, String simpleLevel, Level julLevel, Method jbossGetLogger) {
        // slf4j-simple reads these per logger, at logger creation.
        String key = "org.slf4j.simpleLogger.log." + category;
        if (System.getProperty(key) == null) {
            System.setProperty(key, simpleLevel);
        }
        // JUL (and JBoss LogManager when it is the JUL manager, as under Quarkus).
        Logger jul = Logger.getLogger(category);
        jul.setLevel(julLevel);
        HELD.add(jul);
        // JBoss LogManager reached directly through slf4j-jboss-logmanager.
        if (jbossGetLogger != null) {
            try {
                Object logger = jbossGetLogger.invoke(null, category);
                ((Logger) logger).setLevel(julLevel);
                HELD.add(logger);
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Not fatal: only the amount of logging is at stake.
            }
        }
    }

    private static Method jbossGetLogger() {
        try {
            Class<?> type = Class.forName("org.jboss.logmanager.Logger", false, QuietLogging.class.getClassLoader());
            return type.getMethod("getLogger", String.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
