package dev.ncsn.infra;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

/**
 * A real S3-compatible HTTP server (S3Proxy) running in this JVM, storing buckets as directories
 * and objects as files under a directory the caller chooses.
 *
 * <p>It listens on 127.0.0.1 with plain HTTP and checks AWS signatures (V2 or V4) against one
 * access key and secret key. Path-style addressing ({@code http://127.0.0.1:port/bucket/key}),
 * which the MinIO client uses for such endpoints. S3Proxy has no bucket notifications.
 */
public final class EmbeddedS3 implements AutoCloseable {

    private final Path dataDir;
    private final String accessKey;
    private final String secretKey;
    private final S3Proxy proxy;
    private final int port;
    private boolean closed;

    private EmbeddedS3(Path dataDir, String accessKey, String secretKey, S3Proxy proxy, int port) {
        this.dataDir = dataDir;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.proxy = proxy;
        this.port = port;
    }

    /** Starts a server on a free port with the default keys of {@link LocalInfrastructure}. */
    public static EmbeddedS3 start(Path dataDir) {
        return start(dataDir, 0, LocalInfrastructure.DEFAULT_ACCESS_KEY, LocalInfrastructure.DEFAULT_SECRET_KEY);
    }

    /**
     * Starts a server storing its buckets in {@code dataDir} (created if missing), listening on
     * {@code port} (a free port when 0), accepting requests signed with the given keys.
     */
    public static EmbeddedS3 start(Path dataDir, int port, String accessKey, String secretKey) {
        // As for Kafka: S3Proxy's threads inherit the context class loader; make it S3Proxy's own.
        Thread thread = Thread.currentThread();
        ClassLoader callerContext = thread.getContextClassLoader();
        thread.setContextClassLoader(EmbeddedS3.class.getClassLoader());
        try {
            return startWithContextLoader(dataDir, port, accessKey, secretKey);
        } finally {
            thread.setContextClassLoader(callerContext);
        }
    }

    private static EmbeddedS3 startWithContextLoader(Path dataDir, int port, String accessKey, String secretKey) {
        QuietLogging.apply();
        Path dir = dataDir.toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use S3 data directory " + dir, e);
        }
        int actualPort = Ports.orFree(port);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(new FilesystemNio2BlobStore(dir.toString()))
                .endpoint(URI.create("http://" + Ports.HOST + ":" + actualPort))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                .jettyMaxThreads(32)
                .build();
        try {
            proxy.start();
        } catch (Exception e) {
            try {
                proxy.stop();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new IllegalStateException("embedded S3 (S3Proxy) did not start on port " + actualPort, e);
        }
        return new EmbeddedS3(dir, accessKey, secretKey, proxy, actualPort);
    }

    /** {@code http://127.0.0.1:port}. */
    public String endpoint() {
        return "http://" + Ports.HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretKey() {
        return secretKey;
    }

    /** Buckets are the subdirectories of this directory. */
    public Path dataDir() {
        return dataDir;
    }

    /** Stops the server (its data stay in {@link #dataDir()}). Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("embedded S3 did not stop cleanly", e);
        }
    }

    @Override
    public String toString() {
        return "EmbeddedS3[" + endpoint() + ", " + dataDir + "]";
    }
}
