package dev.ncsn.trainer.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The model store, {@code ncsn.s3.*} (environment: NCSN_S3_ENDPOINT, NCSN_S3_ACCESS_KEY, NCSN_S3_SECRET_KEY, NCSN_S3_BUCKET). */
@ConfigMapping(prefix = "ncsn.s3")
public interface S3Config {

    @WithDefault("http://localhost:9000")
    String endpoint();

    @WithDefault("ncsn")
    String accessKey();

    @WithDefault("ncsn-secret")
    String secretKey();

    @WithDefault("ncsn")
    String bucket();

    /** The region requests are signed for (MinIO's default; S3Proxy ignores it). */
    @WithDefault("us-east-1")
    String region();
}
