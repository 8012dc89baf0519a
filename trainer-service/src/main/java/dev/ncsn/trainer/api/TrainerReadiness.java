package dev.ncsn.trainer.api;

import dev.ncsn.model.store.Bucket;
import dev.ncsn.trainer.TrainerService;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Ready when the S3 bucket answers and the Kafka cluster answers (within 5 s each). */
@Readiness
@ApplicationScoped
public class TrainerReadiness implements HealthCheck {

    @Inject
    TrainerService service;

    private Admin admin;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("trainer");
        boolean up = true;
        try {
            Bucket bucket = service.bucket();
            if (bucket == null) {
                return b.down().withData("reason", "not started").build();
            }
            if (bucket.bucketExists()) {
                b.withData("s3", "bucket " + bucket.name() + " reachable");
            } else {
                up = false;
                b.withData("s3", "bucket " + bucket.name() + " does not exist");
            }
        } catch (RuntimeException e) {
            up = false;
            b.withData("s3", "unreachable: " + e.getMessage());
        }
        try {
            int nodes = admin().describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
            b.withData("kafka", nodes + " broker(s) at " + service.bootstrapServers());
        } catch (Exception e) {
            up = false;
            b.withData("kafka", "unreachable at " + service.bootstrapServers() + ": " + e);
        }
        b.withData("runsTraining", service.node().activeRuns());
        return b.status(up).build();
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, service.bootstrapServers(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000));
        }
        return admin;
    }

    @PreDestroy
    synchronized void close() {
        if (admin != null) {
            admin.close();
        }
    }
}
