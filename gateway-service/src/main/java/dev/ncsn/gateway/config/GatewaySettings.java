package dev.ncsn.gateway.config;

import dev.ncsn.common.config.InstanceId;
import dev.ncsn.model.contract.Topics;

import java.time.Duration;
import java.util.Map;

/**
 * Everything a {@code GatewayNode} is built from, as a plain value: the service makes one from
 * {@link GatewayConfig}, tests write one directly.
 *
 * @param replicaId          this replica's name (Kafka client ids, logs, health data)
 * @param bootstrapServers   Kafka
 * @param defaultModel       the model of requests that name none
 * @param samplerGroupId     the sampler pool's consumer group (its lag is the backlog)
 * @param replay             how far back a starting replica reads the request and frames topics
 * @param modelCacheFor      caching of live pointers and model lists
 * @param keepAlive          interval of SSE keep-alive comments
 * @param consumer           extra properties of the event feed's consumer
 * @param backlog            the 429 limit on the sampler backlog
 * @param buffer             what is kept of each job's stream
 * @param topics             the topic names
 * @param limits             per-key admission (applied only to callers with a key)
 */
public record GatewaySettings(String replicaId, String bootstrapServers, String defaultModel, String samplerGroupId,
                              Duration replay, Duration modelCacheFor, Duration keepAlive, Map<String, String> consumer,
                              Backlog backlog, Buffer buffer, TopicNames topics, KeyLimits limits) {

    /** @see GatewayConfig.Backlog */
    public record Backlog(long maxDepth, Duration cacheFor, Duration retryAfter) {
    }

    /** @see GatewayConfig.Limits */
    public record KeyLimits(int jobsPerMinute, int burst, int concurrentJobs) {
    }

    /** @see GatewayConfig.Buffer */
    public record Buffer(int framesPerJob, int maxJobs, long maxBytes, Duration retention, Duration idleRetention,
                         int maxQueuedPerClient) {
    }

    /** The topics the gateway writes and reads. */
    public record TopicNames(String generationRequests, String inpaintingRequests, String frames, String control) {

        public static TopicNames defaults() {
            return new TopicNames(Topics.GENERATION_REQUESTS, Topics.INPAINTING_REQUESTS, Topics.FRAMES,
                    Topics.CONTROL);
        }
    }

    public GatewaySettings {
        consumer = Map.copyOf(consumer);
    }

    /** The service's settings: {@code ncsn.gateway.*} and Kafka's bootstrap servers. */
    public static GatewaySettings from(GatewayConfig c, String bootstrapServers) {
        GatewayConfig.Buffer b = c.buffer();
        GatewayConfig.TopicNames t = c.topics();
        return new GatewaySettings(c.replicaId().orElseGet(() -> InstanceId.generate("gateway")), bootstrapServers,
                c.defaultModel(), c.samplerGroupId(), c.replay(), c.modelCacheFor(), c.keepAlive(), c.consumer(),
                new Backlog(c.backlog().maxDepth(), c.backlog().cacheFor(), c.backlog().retryAfter()),
                new Buffer(b.framesPerJob(), b.maxJobs(), b.maxBytes(), b.retention(), b.idleRetention(),
                        b.maxQueuedPerClient()),
                new TopicNames(t.generationRequests(), t.inpaintingRequests(), t.frames(), t.control()),
                new KeyLimits(c.limits().jobsPerMinute(), c.limits().burst(), c.limits().concurrentJobs()));
    }
}
