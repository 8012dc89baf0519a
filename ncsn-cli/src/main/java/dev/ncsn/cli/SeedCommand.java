package dev.ncsn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.model.store.S3Endpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * `ncsn seed`: puts a checkpoint (by default the shipped model) into the model store as its model's live version
 * when the store has none, as `ncsn up` does before it starts the services. The deployments run it once (a
 * Kubernetes Job, a compose service) so that a fresh store serves generations without waiting for a training run.
 * Idempotent: a store that already serves the model is left as it is, and a version that exists is not rewritten.
 */
@Command(name = "seed", mixinStandardHelpOptions = true,
        description = {"Put a checkpoint into the model store as its model's live version when the store has none.",
                "S3 settings default to NCSN_S3_ENDPOINT, NCSN_S3_ACCESS_KEY, NCSN_S3_SECRET_KEY and NCSN_S3_BUCKET, "
                        + "as the services read them. Prints one JSON line: model, version, live, seeded."})
final class SeedCommand implements Callable<Integer> {

    static final String DEFAULT_MODEL_DIR = "models/fashion-mnist";

    @Option(names = "--model-dir", paramLabel = "DIR",
            description = "A checkpoint directory, or a `ncsn train --out` directory (its newest checkpoint). "
                    + "Default: " + DEFAULT_MODEL_DIR + " in the repository")
    Path modelDir;

    @Option(names = "--s3-endpoint", paramLabel = "URL", defaultValue = "${env:NCSN_S3_ENDPOINT:-http://localhost:9000}",
            description = "Default: $NCSN_S3_ENDPOINT or ${DEFAULT-VALUE}")
    String s3Endpoint;

    @Option(names = "--s3-access-key", paramLabel = "KEY", defaultValue = "${env:NCSN_S3_ACCESS_KEY:-ncsn}",
            description = "Default: $NCSN_S3_ACCESS_KEY or ncsn")
    String s3AccessKey;

    @Option(names = "--s3-secret-key", paramLabel = "KEY", defaultValue = "${env:NCSN_S3_SECRET_KEY:-ncsn-secret}",
            description = "Default: $NCSN_S3_SECRET_KEY or ncsn-secret")
    String s3SecretKey;

    @Option(names = "--s3-bucket", paramLabel = "NAME", defaultValue = "${env:NCSN_S3_BUCKET:-ncsn}",
            description = "Created if missing. Default: $NCSN_S3_BUCKET or ncsn")
    String s3Bucket;

    @Option(names = "--s3-region", paramLabel = "REGION", defaultValue = "${env:NCSN_S3_REGION:-us-east-1}",
            description = "Signing region. Default: $NCSN_S3_REGION or us-east-1")
    String s3Region;

    @Option(names = "--replace-live", description = "Make this checkpoint live even when the store serves another version")
    boolean replaceLive;

    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "120",
            description = "How long to retry while the store does not answer (it may still be starting). Default: ${DEFAULT-VALUE}")
    int waitSeconds;

    @Override
    public Integer call() throws Exception {
        Path home = Path.of(System.getProperty("ncsn.home", ".")).toAbsolutePath().normalize();
        Path given = (modelDir == null ? home.resolve(DEFAULT_MODEL_DIR) : modelDir.toAbsolutePath()).normalize();
        if (!Files.exists(given)) {
            throw new IllegalArgumentException("no checkpoint at " + given + " (--model-dir)");
        }
        Path dir = CheckpointDirectory.resolve(given);
        CheckpointManifest manifest = Checkpoint.read(dir).manifest(); // verifies the table and the checksum
        String model = manifest.modelName();
        S3Endpoint endpoint = new S3Endpoint(s3Endpoint, s3AccessKey, s3SecretKey, s3Bucket, s3Region);

        ModelStore store = connect(endpoint);
        Optional<LivePointer> live = store.live(model);
        boolean seeded = false;
        String liveVersion;
        if (live.isPresent() && !replaceLive) {
            liveVersion = live.get().version();
            System.err.printf("seed: %s serves %s version %s (step %d); %s is not put in%n", endpoint, model,
                    liveVersion, live.get().step(), dir);
        } else {
            store.putCheckpointDirectory(dir);
            store.setLive(new LivePointer(model, manifest.versionId(), ModelStore.versionPrefix(model,
                    manifest.versionId()), manifest.trainingStep(), manifest.metrics(), Instant.now()));
            liveVersion = manifest.versionId();
            seeded = true;
            System.err.printf("seed: put %s into %s as %s version %s (step %d), live%n", dir, endpoint, model,
                    liveVersion, manifest.trainingStep());
        }
        System.out.println(new ObjectMapper().createObjectNode().put("model", model)
                .put("version", manifest.versionId()).put("live", liveVersion).put("seeded", seeded));
        return 0;
    }

    /** The store, its bucket created when missing; retried while the endpoint does not answer yet. */
    private ModelStore connect(S3Endpoint endpoint) throws InterruptedException {
        long deadline = System.nanoTime() + waitSeconds * 1_000_000_000L;
        while (true) {
            try {
                return ModelStore.connect(endpoint);
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the store " + endpoint + " did not answer within " + waitSeconds
                            + " s: " + e.getMessage(), e);
                }
                System.err.println("seed: waiting for " + endpoint + ": " + e.getMessage());
                Thread.sleep(2000);
            }
        }
    }
}
