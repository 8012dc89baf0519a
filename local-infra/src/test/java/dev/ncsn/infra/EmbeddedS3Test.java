package dev.ncsn.infra;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.GetObjectResponse;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.StatObjectResponse;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The MinIO client against the shared S3 store. */
@ExtendWith(InfrastructureExtension.class)
class EmbeddedS3Test {

    private static final String BUCKET = "it-s3";

    @Test
    void putGetListStatDelete(LocalInfrastructure infra) throws Exception {
        infra.createBucket(BUCKET);
        infra.createBucket(BUCKET); // idempotent
        try (MinioClient s3 = infra.s3Client()) {
            assertTrue(s3.bucketExists(BucketExistsArgs.builder().bucket(BUCKET).build()));
            byte[] small = "hello, score".getBytes(StandardCharsets.UTF_8);
            put(s3, "dir/a.txt", small);
            put(s3, "dir/b.txt", small);
            put(s3, "other/c.txt", small);

            assertArrayEquals(small, get(s3, "dir/a.txt"));

            StatObjectResponse stat = s3.statObject(StatObjectArgs.builder().bucket(BUCKET).object("dir/a.txt").build());
            assertEquals(small.length, stat.size());
            assertEquals("application/octet-stream", stat.contentType());

            assertEquals(List.of("dir/a.txt", "dir/b.txt"), list(s3, "dir/"));

            s3.removeObject(RemoveObjectArgs.builder().bucket(BUCKET).object("dir/a.txt").build());
            assertEquals(List.of("dir/b.txt"), list(s3, "dir/"));
        }
    }

    @Test
    void multipartUploadOf12MiB(LocalInfrastructure infra) throws Exception {
        infra.createBucket(BUCKET);
        byte[] data = new byte[12 * 1024 * 1024 + 123];
        new Random(42).nextBytes(data);
        try (MinioClient s3 = infra.s3Client()) {
            // 5 MiB parts: three parts, so the client uses the multipart API.
            s3.putObject(PutObjectArgs.builder().bucket(BUCKET).object("big/blob.bin")
                    .stream(new ByteArrayInputStream(data), (long) data.length, 5L * 1024 * 1024)
                    .contentType("application/octet-stream")
                    .build());
            StatObjectResponse stat = s3.statObject(StatObjectArgs.builder().bucket(BUCKET).object("big/blob.bin").build());
            assertEquals(data.length, stat.size());
            assertTrue(stat.etag().contains("-"), "a multipart ETag ends in -<parts>: " + stat.etag());
            byte[] back = get(s3, "big/blob.bin");
            assertEquals(data.length, back.length);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            assertArrayEquals(sha.digest(data), sha.digest(back));
        }
    }

    @Test
    void missingKeyIsNoSuchKey(LocalInfrastructure infra) throws Exception {
        infra.createBucket(BUCKET);
        try (MinioClient s3 = infra.s3Client()) {
            ErrorResponseException onGet = assertThrows(ErrorResponseException.class,
                    () -> get(s3, "no/such/key"));
            assertEquals("NoSuchKey", onGet.errorResponse().code());
            ErrorResponseException onStat = assertThrows(ErrorResponseException.class,
                    () -> s3.statObject(StatObjectArgs.builder().bucket(BUCKET).object("no/such/key").build()));
            assertEquals(404, onStat.response().code());
            assertFalse(s3.bucketExists(BucketExistsArgs.builder().bucket("it-no-such-bucket").build()));
        }
    }

    @Test
    void wrongSecretIsRejected(LocalInfrastructure infra) throws Exception {
        infra.createBucket(BUCKET);
        try (MinioClient wrong = MinioClient.builder().endpoint(infra.s3Endpoint())
                .credentials(infra.s3AccessKey(), "not-the-secret").region(LocalInfrastructure.DEFAULT_REGION).build()) {
            ErrorResponseException e = assertThrows(ErrorResponseException.class,
                    () -> wrong.statObject(StatObjectArgs.builder().bucket(BUCKET).object("x").build()));
            assertEquals(403, e.response().code());
        }
    }

    static void put(MinioClient s3, String key, byte[] data) throws Exception {
        s3.putObject(PutObjectArgs.builder().bucket(BUCKET).object(key)
                .stream(new ByteArrayInputStream(data), (long) data.length, -1L)
                .contentType("application/octet-stream")
                .build());
    }

    static byte[] get(MinioClient s3, String key) throws Exception {
        try (GetObjectResponse in = s3.getObject(GetObjectArgs.builder().bucket(BUCKET).object(key).build())) {
            return in.readAllBytes();
        }
    }

    static List<String> list(MinioClient s3, String prefix) throws Exception {
        List<String> keys = new ArrayList<>();
        for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(BUCKET).prefix(prefix).recursive(true).build())) {
            keys.add(r.get().objectName());
        }
        return keys;
    }
}
