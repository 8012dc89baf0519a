package dev.ncsn.gateway.config;

import dev.ncsn.model.contract.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's settings, {@code ncsn.gateway.*} (environment: {@code NCSN_GATEWAY_*}, e.g.
 * {@code NCSN_GATEWAY_BACKLOG_MAX_DEPTH=50}). The request and control topic names are also bound to the SmallRye
 * channels in application.properties.
 */
@ConfigMapping(prefix = "ncsn.gateway")
public interface GatewayConfig {

    /**
     * No longer read: keys and their roles come from the keys file every service reads ({@code NCSN_API_KEYS_FILE}).
     * Setting it stops the gateway at start-up, so that a deployment that still sets it is not left open.
     */
    Optional<List<String>> apiKeys();

    /** How long a job's stream token (in its {@code frames} and {@code result} links) opens them. */
    @WithDefault("15m")
    Duration streamTokenTtl();

    /** The model of requests that name none. */
    @WithDefault("fashion-mnist")
    String defaultModel();

    /** This replica's name (Kafka client ids, logs); default: host name and a random suffix. */
    Optional<String> replicaId();

    /** The sampler pool's consumer group on the request topics: its lag is the backlog. */
    @WithDefault("ncsn-sampler")
    String samplerGroupId();

    /** How long a request waits for Kafka to acknowledge the job before the client gets a 503. */
    @WithDefault("10s")
    Duration sendTimeout();

    /**
     * How far back the event feed starts reading the request and frames topics when the replica starts, so that
     * it knows the jobs of the last minutes after a restart.
     */
    @WithDefault("15m")
    Duration replay();

    /** How long a model's live version and manifest are cached. */
    @WithDefault("5s")
    Duration modelCacheFor();

    /** Interval of SSE keep-alive comments (they also detect clients that went away). */
    @WithDefault("15s")
    Duration keepAlive();

    /** Extra properties of the event feed's Kafka consumer, e.g. {@code ncsn.gateway.consumer."fetch.max.bytes"}. */
    Map<String, String> consumer();

    Backlog backlog();

    Limits limits();

    Buffer buffer();

    TopicNames topics();

    /** Back-pressure: when the sampler pool is this far behind, new jobs get 429. */
    interface Backlog {

        /** Requests waiting on the request topics (lag of the sampler group) at which new jobs are refused. */
        @WithDefault("200")
        long maxDepth();

        /** How long a measured depth is reused (the measurement is two Kafka admin calls). */
        @WithDefault("2s")
        Duration cacheFor();

        /** The Retry-After of a 429. */
        @WithDefault("10s")
        Duration retryAfter();
    }

    /** Per-key admission, when the keys file is configured (each replica counts on its own). */
    interface Limits {

        /** Jobs a key may submit per minute (a token bucket refilled at this rate). */
        @WithDefault("60")
        int jobsPerMinute();

        /** Jobs a key may submit at once before the rate applies (the bucket's size). */
        @WithDefault("20")
        int burst();

        /** Jobs of one key that may be queued or running at once (those submitted through this replica). */
        @WithDefault("8")
        int concurrentJobs();
    }

    /** What each replica keeps of the jobs' event streams for late subscribers and resumption. */
    interface Buffer {

        /** Frames kept per job; beyond it the oldest frame that is not the last of its level is dropped. */
        @WithDefault("150")
        int framesPerJob();

        /** Jobs remembered; beyond it the oldest finished jobs are forgotten. */
        @WithDefault("2000")
        int maxJobs();

        /** Bytes of buffered event JSON over all jobs; beyond it the least recently updated jobs are thinned. */
        @WithDefault("268435456")
        long maxBytes();

        /** How long a finished job (status, result, events) is remembered. */
        @WithDefault("1h")
        Duration retention();

        /** How long a job with no news at all is remembered (e.g. a request no worker ever picked up). */
        @WithDefault("24h")
        Duration idleRetention();

        /** Events queued for one SSE client before it is disconnected as too slow (it may resume). */
        @WithDefault("1000")
        int maxQueuedPerClient();
    }

    interface TopicNames {

        @WithDefault(Topics.GENERATION_REQUESTS)
        String generationRequests();

        @WithDefault(Topics.INPAINTING_REQUESTS)
        String inpaintingRequests();

        @WithDefault(Topics.FRAMES)
        String frames();

        @WithDefault(Topics.CONTROL)
        String control();
    }
}
