package dev.ncsn.model.contract;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every Kafka topic the system uses, with its partitions and topic configs: the one place they are decided.
 * The services create missing topics from it, {@code ncsn up} and local-infra create them from it, and the
 * tests check docker-compose and {@code k8s/} against it.
 *
 * @param topics the topics in creation order
 */
public record TopicPlan(List<Topic> topics) {

    /** Partitions of the request and frames topics: the largest useful sampler pool (divisible by 1, 2, 3, 4, 6). */
    public static final int DEFAULT_REQUEST_PARTITIONS = 12;
    /** Frames carry base64 PNG grids; 64 CIFAR-sized samples with a denoised preview stay well under this. */
    public static final int MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
    /** How far back a starting sampler reads cancels, so a job re-run after its worker died still sees its cancel. */
    public static final Duration DEFAULT_CONTROL_RETENTION = Duration.ofHours(1);

    /** Kafka's topic config keys used here (the names of {@code org.apache.kafka.common.config.TopicConfig}). */
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String RETENTION_MS = "retention.ms";
    public static final String MAX_MESSAGE_BYTES_CONFIG = "max.message.bytes";

    /**
     * One topic.
     *
     * @param name       the topic name
     * @param partitions its partition count
     * @param configs    topic configs set at creation, e.g. {@code cleanup.policy=compact}
     */
    public record Topic(String name, int partitions, Map<String, String> configs) {

        public Topic {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("topic name is empty");
            }
            if (partitions < 1) {
                throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1");
            }
            configs = Map.copyOf(configs);
        }

        public boolean compacted() {
            return "compact".equals(configs.get(CLEANUP_POLICY));
        }
    }

    public TopicPlan {
        topics = List.copyOf(topics);
    }

    /** The plan with the default names, {@value #DEFAULT_REQUEST_PARTITIONS} request partitions and 1 h of cancels. */
    public static TopicPlan standard() {
        return standard(TopicNames.defaults(), DEFAULT_REQUEST_PARTITIONS, DEFAULT_CONTROL_RETENTION);
    }

    /**
     * The system's topics:
     * <ul>
     *   <li>request topics with {@code requestPartitions} partitions: the most sampler workers that share the load;</li>
     *   <li>frames with as many partitions, with room for large frames ({@value #MAX_MESSAGE_BYTES} bytes);</li>
     *   <li>model updates compacted, one partition (the latest update per model stays);</li>
     *   <li>control with a short retention: a starting worker reads the cancels of that window;</li>
     *   <li>dead letters, one partition.</li>
     * </ul>
     */
    public static TopicPlan standard(TopicNames names, int requestPartitions, Duration controlRetention) {
        Objects.requireNonNull(names, "names");
        if (controlRetention.isNegative() || controlRetention.isZero()) {
            throw new IllegalArgumentException("control retention must be positive, got " + controlRetention);
        }
        return new TopicPlan(List.of(
                new Topic(names.generationRequests(), requestPartitions, Map.of()),
                new Topic(names.inpaintingRequests(), requestPartitions, Map.of()),
                new Topic(names.frames(), requestPartitions,
                        Map.of(MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES))),
                new Topic(names.modelUpdates(), 1, Map.of(CLEANUP_POLICY, "compact")),
                new Topic(names.control(), 1, Map.of(RETENTION_MS, Long.toString(controlRetention.toMillis()))),
                new Topic(names.deadLetter(), 1, Map.of())));
    }

    /** The topic of that name. */
    public Topic topic(String name) {
        return topics.stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no topic " + name + " in the plan"));
    }

    /** The plan restricted to the named topics, in plan order (a service creates only what it uses). */
    public TopicPlan only(String... names) {
        List<String> wanted = List.of(names);
        return new TopicPlan(topics.stream().filter(t -> wanted.contains(t.name())).toList());
    }

    /** Name → topic, in plan order. */
    public Map<String, Topic> byName() {
        Map<String, Topic> map = new LinkedHashMap<>();
        topics.forEach(t -> map.put(t.name(), t));
        return map;
    }

    /**
     * The six topic names; every deployment may rename them.
     */
    public record TopicNames(String generationRequests, String inpaintingRequests, String frames,
                             String modelUpdates, String control, String deadLetter) {

        public static TopicNames defaults() {
            return new TopicNames(Topics.GENERATION_REQUESTS, Topics.INPAINTING_REQUESTS, Topics.FRAMES,
                    Topics.MODEL_UPDATES, Topics.CONTROL, Topics.DEAD_LETTER);
        }
    }
}
