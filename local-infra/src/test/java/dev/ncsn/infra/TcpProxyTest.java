package dev.ncsn.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fault tests' proxy, in front of the real S3 store: through, cut, restored, and one request held. */
@ExtendWith(InfrastructureExtension.class)
class TcpProxyTest {

    private static final String BUCKET = "it-tcp-proxy";

    @Test
    void passesBytesThroughCutsAndRestoresOnTheSamePortAndHoldsARequest(LocalInfrastructure infra) throws Exception {
        infra.createBucket(BUCKET);
        try (TcpProxy proxy = TcpProxy.forEndpoint(infra.s3Endpoint());
                MinioClient s3 = MinioClient.builder().endpoint(proxy.endpoint())
                        .credentials(infra.s3AccessKey(), infra.s3SecretKey()).region("us-east-1").build()) {
            put(s3, "a.txt", "through the proxy");
            assertEquals("through the proxy", get(s3, "a.txt"));

            proxy.cut();
            assertThrows(Exception.class, () -> s3.bucketExists(BucketExistsArgs.builder().bucket(BUCKET).build()),
                    "unreachable while cut");
            proxy.restore();
            assertEquals("through the proxy", get(s3, "a.txt"), "reachable again on the same port");

            // A PUT of one key is swallowed: the server never sees it, the client waits; others go through.
            proxy.holdWhen(text -> text.startsWith("PUT /" + BUCKET + "/held.txt"));
            CompletableFuture<Void> held = CompletableFuture.runAsync(() -> {
                try {
                    put(s3, "held.txt", "never stored");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertNotNull(proxy.awaitHeld(Duration.ofSeconds(30)));
            put(s3, "b.txt", "not held");
            assertEquals("not held", get(s3, "b.txt"));
            assertTrue(!held.isDone(), "the held PUT has no answer");
            proxy.cut(); // the held connection drops, as when its client is killed
            // The client may retry the PUT (OkHttp retries a reset connection once): refused while cut, and held
            // again if it lands after the restore, so the rule stays until the store has been checked.
            assertThrows(Exception.class, () -> held.get(30, TimeUnit.SECONDS));
            proxy.restore();
            ErrorResponseException missing = assertThrows(ErrorResponseException.class, () ->
                    s3.statObject(StatObjectArgs.builder().bucket(BUCKET).object("held.txt").build()));
            assertEquals("NoSuchKey", missing.errorResponse().code(), "the held PUT never reached the store");
            proxy.release();
            put(s3, "held.txt", "stored once released");
            assertEquals("stored once released", get(s3, "held.txt"), "release lets the same request through");
            assertTrue(proxy.connections() >= 3);
        }
    }

    private static void put(MinioClient s3, String key, String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        s3.putObject(PutObjectArgs.builder().bucket(BUCKET).object(key)
                .stream(new ByteArrayInputStream(bytes), (long) bytes.length, -1L).build());
    }

    private static String get(MinioClient s3, String key) throws Exception {
        try (GetObjectResponse in = s3.getObject(GetObjectArgs.builder().bucket(BUCKET).object(key).build())) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
