package dev.ncsn.sampler.config;

import dev.ncsn.sampler.core.SamplerNode;

import dev.ncsn.model.contract.TopicPlan;
import dev.ncsn.model.contract.Topics;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@link SamplerNode} needs to know, as plain values so that tests can build nodes without Quarkus.
 * The service builds it from {@code SamplerConfig} (keys {@code ncsn.sampler.*}).
 *
 * @param bootstrapServers    Kafka bootstrap servers
 * @param groupId             consumer group shared by the sampler pool on the request topics
 * @param instanceId          this worker's name (client id, dead-letter source, logs)
 * @param topics              topic names
 * @param models              model names this worker serves; the first is the default for requests without one
 * @param maxInFlightJobs     jobs sampled at once on this worker (they share forward passes)
 * @param batch               the per-pass sample budget: images sampled at once (a larger single job still runs,
 *                            alone), measured on the loaded network or set for the device
 * @param recentCancels       how many cancelled job ids are remembered for requests that arrive later
 * @param reconcileInterval   how often the live pointer is re-read in case a model-update event was missed
 * @param device              "auto" (GPU if DJL sees one), "cpu" or "gpu"
 * @param pollTimeout         request consumer poll timeout
 * @param shutdownGrace       on a graceful stop, how long running jobs may take to finish before they are left
 *                            (uncommitted) for another worker
 * @param consumerProperties  extra Kafka consumer properties for the request consumer
 * @param snapshotInterval    how often a running job's state is written down (and always at a graceful stop)
 */
public record SamplerSettings(
        String bootstrapServers,
        String groupId,
        String instanceId,
        TopicNames topics,
        List<String> models,
        int maxInFlightJobs,
        BatchSettings batch,
        int recentCancels,
        Duration reconcileInterval,
        String device,
        Duration pollTimeout,
        Duration shutdownGrace,
        Map<String, String> consumerProperties,
        Duration snapshotInterval) {

    /** The sampler service's name in dead letters. */
    public static final String SERVICE = "sampler-service";
    /** Default snapshot interval: redone work after a crash is at most this much sampling. */
    public static final Duration DEFAULT_SNAPSHOT_INTERVAL = Duration.ofSeconds(5);

    public SamplerSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(topics, "topics");
        models = List.copyOf(models);
        if (models.isEmpty()) {
            throw new IllegalArgumentException("a sampler serves at least one model");
        }
        if (maxInFlightJobs < 1 || recentCancels < 1) {
            throw new IllegalArgumentException("maxInFlightJobs and recentCancels must be positive");
        }
        Objects.requireNonNull(batch, "batch");
        consumerProperties = consumerProperties == null ? Map.of() : Map.copyOf(consumerProperties);
        if (snapshotInterval == null || snapshotInterval.isNegative() || snapshotInterval.isZero()) {
            throw new IllegalArgumentException("snapshotInterval must be positive, got " + snapshotInterval);
        }
    }

    /** Settings with the default snapshot interval and a fixed per-pass budget of {@code maxInFlightSamples}. */
    public SamplerSettings(String bootstrapServers, String groupId, String instanceId, TopicNames topics,
                           List<String> models, int maxInFlightJobs, int maxInFlightSamples, int recentCancels,
                           Duration reconcileInterval, String device, Duration pollTimeout, Duration shutdownGrace,
                           Map<String, String> consumerProperties) {
        this(bootstrapServers, groupId, instanceId, topics, models, maxInFlightJobs,
                BatchSettings.fixed(maxInFlightSamples), recentCancels, reconcileInterval, device, pollTimeout,
                shutdownGrace, consumerProperties, DEFAULT_SNAPSHOT_INTERVAL);
    }

    public String defaultModel() {
        return models.get(0);
    }

    /**
     * Jobs at once: a safety bound only, so that the per-pass sample budget decides how many jobs share a forward
     * pass (a fixed 4 capped the gain of batching at 2.6× for 16 one-image jobs on the CPU).
     */
    public static final int DEFAULT_MAX_IN_FLIGHT_JOBS = 64;
    /** The budget of a version built without one (tests that assemble a worker by hand). */
    public static final int DEFAULT_BATCH_BUDGET = 256;

    /**
     * Defaults for everything but the servers, names and models, as the service's: the per-pass budget measured on
     * the loaded network. Tests adjust with the wither methods.
     */
    public static SamplerSettings defaults(String bootstrapServers, String groupId, String instanceId,
                                           TopicNames topics, List<String> models) {
        return new SamplerSettings(bootstrapServers, groupId, instanceId, topics, models, DEFAULT_MAX_IN_FLIGHT_JOBS,
                BatchSettings.auto(), 10_000, Duration.ofSeconds(60), "auto", Duration.ofMillis(100),
                Duration.ofSeconds(30), Map.of(), DEFAULT_SNAPSHOT_INTERVAL);
    }

    public SamplerSettings withMaxInFlightJobs(int jobs) {
        return new SamplerSettings(bootstrapServers, groupId, instanceId, topics, models, jobs, batch,
                recentCancels, reconcileInterval, device, pollTimeout, shutdownGrace, consumerProperties, snapshotInterval);
    }

    public SamplerSettings withBatch(BatchSettings settings) {
        return new SamplerSettings(bootstrapServers, groupId, instanceId, topics, models, maxInFlightJobs, settings,
                recentCancels, reconcileInterval, device, pollTimeout, shutdownGrace, consumerProperties, snapshotInterval);
    }

    public SamplerSettings withReconcileInterval(Duration interval) {
        return new SamplerSettings(bootstrapServers, groupId, instanceId, topics, models, maxInFlightJobs,
                batch, recentCancels, interval, device, pollTimeout, shutdownGrace, consumerProperties, snapshotInterval);
    }

    public SamplerSettings withShutdownGrace(Duration grace) {
        return new SamplerSettings(bootstrapServers, groupId, instanceId, topics, models, maxInFlightJobs,
                batch, recentCancels, reconcileInterval, device, pollTimeout, grace, consumerProperties, snapshotInterval);
    }

    public SamplerSettings withInstanceId(String id) {
        return new SamplerSettings(bootstrapServers, groupId, id, topics, models, maxInFlightJobs, batch,
                recentCancels, reconcileInterval, device, pollTimeout, shutdownGrace, consumerProperties, snapshotInterval);
    }

    public SamplerSettings withSnapshotInterval(Duration interval) {
        return new SamplerSettings(bootstrapServers, groupId, instanceId, topics, models, maxInFlightJobs,
                batch, recentCancels, reconcileInterval, device, pollTimeout, shutdownGrace,
                consumerProperties, interval);
    }

    public SamplerSettings withConsumerProperties(Map<String, String> properties) {
        return new SamplerSettings(bootstrapServers, groupId, instanceId, topics, models, maxInFlightJobs,
                batch, recentCancels, reconcileInterval, device, pollTimeout, shutdownGrace, properties,
                snapshotInterval);
    }

    /** The topics a sampler reads and writes. */
    public record TopicNames(String generationRequests, String inpaintingRequests, String frames, String control,
                             String modelUpdates, String deadLetter) {

        public TopicNames {
            Objects.requireNonNull(generationRequests);
            Objects.requireNonNull(inpaintingRequests);
            Objects.requireNonNull(frames);
            Objects.requireNonNull(control);
            Objects.requireNonNull(modelUpdates);
            Objects.requireNonNull(deadLetter);
        }

        /** The system's default names ({@link Topics}). */
        public static TopicNames defaults() {
            return new TopicNames(Topics.GENERATION_REQUESTS, Topics.INPAINTING_REQUESTS, Topics.FRAMES,
                    Topics.CONTROL, Topics.MODEL_UPDATES, Topics.DEAD_LETTER);
        }

        /** The default names with a prefix, e.g. for tests that must not see each other's messages. */
        public static TopicNames prefixed(String prefix) {
            TopicNames d = defaults();
            return new TopicNames(prefix + d.generationRequests, prefix + d.inpaintingRequests, prefix + d.frames,
                    prefix + d.control, prefix + d.modelUpdates, prefix + d.deadLetter);
        }

        /** The same names as the topic plan takes them. */
        public TopicPlan.TopicNames toPlanNames() {
            return new TopicPlan.TopicNames(generationRequests, inpaintingRequests, frames, modelUpdates, control,
                    deadLetter);
        }

        public List<String> requestTopics() {
            return List.of(generationRequests, inpaintingRequests);
        }
    }
}
