package dev.ncsn.model.contract;

/**
 * Default Kafka topic names of the system. Every service lets its deployment override them; these are what
 * docker-compose, k8s and the local run create.
 */
public final class Topics {

    /** {@link GenerationRequest}s, keyed by job id; the sampler pool's consumer group shares its partitions. */
    public static final String GENERATION_REQUESTS = "ncsn.generation-requests";
    /** {@link InpaintingRequest}s, keyed by job id. */
    public static final String INPAINTING_REQUESTS = "ncsn.inpainting-requests";
    /** {@link JobEvent}s, keyed by job id, so one job's events stay in order on one partition. */
    public static final String FRAMES = "ncsn.frames";
    /** {@link ModelUpdate}s, compacted, keyed by model name. */
    public static final String MODEL_UPDATES = "ncsn.model-updates";
    /** {@link CancelRequest}s, keyed by job id; every sampler worker reads all of it. */
    public static final String CONTROL = "ncsn.control";
    /** {@link DeadLetter}s: raw messages that could not be understood. */
    public static final String DEAD_LETTER = "ncsn.dead-letter";

    private Topics() {
    }
}
