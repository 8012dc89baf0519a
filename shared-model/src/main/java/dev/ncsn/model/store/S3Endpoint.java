package dev.ncsn.model.store;

import io.minio.MinioClient;

import java.util.Objects;

/**
 * Where an S3-compatible store is and how to sign for it: the one place a {@link MinioClient} is built.
 *
 * @param endpoint  the store's URL, e.g. {@code http://localhost:9000}
 * @param accessKey access key
 * @param secretKey secret key
 * @param bucket    the bucket everything lives in
 * @param region    the region requests are signed for ({@value #DEFAULT_REGION} for MinIO and S3Proxy)
 */
public record S3Endpoint(String endpoint, String accessKey, String secretKey, String bucket, String region) {

    public static final String DEFAULT_REGION = "us-east-1";

    public S3Endpoint {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
        Objects.requireNonNull(bucket, "bucket");
        region = region == null || region.isBlank() ? DEFAULT_REGION : region;
    }

    public S3Endpoint(String endpoint, String accessKey, String secretKey, String bucket) {
        this(endpoint, accessKey, secretKey, bucket, DEFAULT_REGION);
    }

    /** Connecting gives up after this long: a store that does not answer is then an error, not a stall. */
    public static final long CONNECT_TIMEOUT_MILLIS = 5_000;
    /** A read or write that makes no progress for this long fails (per operation, not per object). */
    public static final long IO_TIMEOUT_MILLIS = 30_000;

    public MinioClient client() {
        MinioClient client = MinioClient.builder().endpoint(endpoint).region(region).credentials(accessKey, secretKey)
                .build();
        // MinIO's defaults are 5 minutes each: a store cut off by the network (no reset, no answer) would hold a
        // sampler's request consumer past max.poll.interval.ms, and a reload or snapshot thread as long.
        client.setTimeout(CONNECT_TIMEOUT_MILLIS, IO_TIMEOUT_MILLIS, IO_TIMEOUT_MILLIS);
        return client;
    }

    /** The bucket as a {@link Bucket} (no request is made). */
    public Bucket openBucket() {
        return new Bucket(client(), bucket);
    }

    /** The model store in the bucket (no request is made). */
    public ModelStore openModelStore() {
        return new ModelStore(client(), bucket);
    }

    @Override
    public String toString() {
        // Never the secret: endpoints end up in logs.
        return "S3Endpoint[" + endpoint + ", bucket " + bucket + ", region " + region + "]";
    }
}
