package dev.ncsn.sampler.config;

import dev.ncsn.model.contract.TopicPlan;
import dev.ncsn.model.contract.Topics;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sampler's settings, {@code ncsn.sampler.*} (environment: {@code NCSN_SAMPLER_*}). Topic names are also
 * set in application.properties, because the SmallRye channels read them from there.
 */
@ConfigMapping(prefix = "ncsn.sampler")
public interface SamplerConfig {

    /** Models served; the first is the default for requests that name none. */
    @WithDefault("fashion-mnist")
    List<String> models();

    /** Consumer group of the sampler pool on the request topics. */
    @WithDefault("ncsn-sampler")
    String groupId();

    /** This worker's name (Kafka client ids, dead letters, logs); default: host name and a random suffix. */
    Optional<String> instanceId();

    /**
     * Jobs sampled at once; they share forward passes. A safety bound: the per-pass sample budget
     * ({@link #batch()}), which follows the hardware, decides the batch.
     */
    @WithDefault("64")
    int maxInFlightJobs();

    /** The per-pass sample budget: images sampled at once (a larger single job still runs, alone). */
    BatchConfig batch();

    /** Cancelled job ids remembered for requests that arrive after their cancel. */
    @WithDefault("10000")
    int recentCancels();

    /** How often the live pointer is re-read in case a model-update event was missed. */
    @WithDefault("60s")
    Duration reconcileInterval();

    /** auto (GPU when DJL sees one), cpu or gpu. */
    @WithDefault("auto")
    String device();

    @WithDefault("100ms")
    Duration pollTimeout();

    /**
     * On a graceful stop, the most time the hand-over may take: the running jobs are snapshotted at once and the
     * snapshots written within this; keep it below Kubernetes' {@code terminationGracePeriodSeconds}.
     */
    @WithDefault("30s")
    Duration shutdownGrace();

    /** How often each running job's state is written down; redone work after a crash is at most this much. */
    @WithDefault("5s")
    Duration snapshotInterval();

    /** Extra properties of the request consumer, e.g. {@code ncsn.sampler.consumer."session.timeout.ms"=10000}. */
    Map<String, String> consumer();

    TopicSettings topics();

    /** {@code ncsn.sampler.batch.*}: how many images one shared forward pass holds ({@link BatchSettings}). */
    interface BatchConfig {

        /**
         * {@code auto}: measured on each loaded network at start-up (and again when a hot reload changes its shape);
         * or a number of images, set for the device.
         */
        @WithDefault("auto")
        String budget();

        /** auto: the fraction by which doubling the batch must cut the time per image to be taken. */
        @WithDefault("" + BatchSettings.DEFAULT_THRESHOLD)
        double threshold();

        /** auto: the most time the measuring passes of one network shape may take. */
        @WithDefault("5s")
        Duration calibrationTime();

        /** auto: the largest batch tried. */
        @WithDefault("" + BatchSettings.DEFAULT_LARGEST)
        int largest();

        /**
         * Threads each shared pass is split over (the measured budget is per lane): {@code auto} is one per core on
         * the CPU, each with one PyTorch thread (unless {@code ai.djl.pytorch.num_threads} is set: then cores /
         * that), and one on a GPU.
         */
        @WithDefault("auto")
        String lanes();

        default BatchSettings toSettings() {
            return new BatchSettings(BatchSettings.parseBudget(budget()), threshold(), calibrationTime(), largest(),
                    BatchSettings.parseLanes(lanes()));
        }
    }

    interface TopicSettings {

        /** Create missing topics of the {@link TopicPlan} at start-up (services-common's TopicCreator). */
        @WithDefault("true")
        boolean create();

        /** Partitions of new request and frames topics: the largest useful pool ({@link TopicPlan#DEFAULT_REQUEST_PARTITIONS}). */
        @WithDefault("" + TopicPlan.DEFAULT_REQUEST_PARTITIONS)
        int requestPartitions();

        @WithDefault("1")
        short replicationFactor();

        /** Retention of a new control topic: how far back a starting worker reads cancels. */
        @WithDefault("1h")
        Duration controlRetention();

        @WithDefault(Topics.GENERATION_REQUESTS)
        String generationRequests();

        @WithDefault(Topics.INPAINTING_REQUESTS)
        String inpaintingRequests();

        @WithDefault(Topics.FRAMES)
        String frames();

        @WithDefault(Topics.CONTROL)
        String control();

        @WithDefault(Topics.MODEL_UPDATES)
        String modelUpdates();

        @WithDefault(Topics.DEAD_LETTER)
        String deadLetter();
    }
}
