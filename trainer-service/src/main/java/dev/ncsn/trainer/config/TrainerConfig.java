package dev.ncsn.trainer.config;

import dev.ncsn.model.contract.Topics;
import dev.ncsn.model.sampling.Samplers;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The trainer's settings, {@code ncsn.trainer.*} (environment: {@code NCSN_TRAINER_*}). The store is
 * services-common's {@code S3Config} ({@code ncsn.s3.*}), Kafka {@code kafka.bootstrap.servers}.
 */
@ConfigMapping(prefix = "ncsn.trainer")
public interface TrainerConfig {

    /**
     * Local training state. Disposable: the state is also in the bucket (runs/RUN/state/), so a trainer with a new
     * disk resumes from there.
     */
    @WithDefault("${java.io.tmpdir}/ncsn-trainer")
    String workDir();

    /** Runs that train at once; more are refused with 409 (a CPU trains one network at a time best). */
    @WithDefault("1")
    int maxConcurrentRuns();

    /** Resume the runs that were running (or waiting for data) when the trainer last stopped. */
    @WithDefault("true")
    boolean resumeOnStart();

    /** Saved training states kept per run segment, locally and in the bucket. */
    @WithDefault("2")
    int stateKeep();

    /** How often a continuous run looks for a newer dataset version. */
    @WithDefault("5m")
    Duration dataPollInterval();

    /** Progress log interval of a training run. */
    @WithDefault("10s")
    Duration logEvery();

    /** Attempts to send a model-update event (the pointer is written either way). */
    @WithDefault("3")
    int eventSendAttempts();

    /** At shutdown, how long runs get to finish their step and save their state. */
    @WithDefault("60s")
    Duration shutdownGrace();

    /**
     * The directories a run's local data ({@code {"path": …}}) may come from, comma-separated; a path elsewhere is
     * refused with 403 (an admin key must not turn the trainer into a reader of any file on its machine). Default:
     * {@code /usr/share/datasets} (Debian's dataset packages), {@code /data} and the work directory's
     * {@code datasets/}.
     */
    Optional<List<String>> dataRoots();

    Gate gate();

    /** These settings as the plain values a {@code TrainerNode} is built with. */
    default TrainerSettings toSettings() {
        Gate g = gate();
        Defaults d = defaults();
        Path work = Path.of(workDir());
        List<Path> roots = dataRoots().map(l -> l.stream().map(Path::of).toList())
                .orElseGet(() -> TrainerSettings.standardDataRoots(work));
        return new TrainerSettings(work, maxConcurrentRuns(), resumeOnStart(), stateKeep(),
                dataPollInterval(), logEvery(), new GateSettings(g.tolerance(), g.heldOutSize(), g.seed(),
                g.batchSize(), g.fid().toSettings()), retention().keepLast(), new RunDefaults(d.preset(), d.batchSize(), d.steps(),
                d.checkpointEvery(), d.previewCount(), d.previewStepsPerLevel()), eventSendAttempts(), roots);
    }

    Retention retention();

    Defaults defaults();

    TopicSettings topics();

    /** The promotion gate. */
    interface Gate {

        /** Relative: a candidate may be this much worse than the live version and still be promoted. */
        @WithDefault("0.02")
        double tolerance();

        /** Held-out images scored. */
        @WithDefault("256")
        int heldOutSize();

        /** Seed of the fixed held-out noise. Changing it changes every score. */
        @WithDefault("20190707")
        long seed();

        /** Images per forward pass while scoring. */
        @WithDefault("32")
        int batchSize();

        /** The optional FID condition: a candidate's FID on a fixed small sample must not exceed the live one's. */
        Fid fid();
    }

    /** {@code ncsn.trainer.gate.fid.*}: see {@link FidGateSettings}. */
    interface Fid {

        /** Require that a candidate's FID is not worse than the live version's (beside the DSM loss). */
        @WithDefault("false")
        boolean enabled();

        /** The feature classifier's directory, e.g. models/fashion-mnist-classifier; needed when enabled. */
        Optional<String> classifier();

        /** Images drawn from each model. */
        @WithDefault("200")
        int samples();

        /** Images sampled together. */
        @WithDefault("100")
        int batchSize();

        /** Seed of the first batch (batch k: seed + k); the same for the candidate and the live version. */
        @WithDefault("0")
        long seed();

        /** The sampler, by name, with its default options. */
        @WithDefault(Samplers.DEFAULT)
        String sampler();

        /** Its steps per noise level: few, so the check stays cheap. */
        @WithDefault("2")
        int stepsPerLevel();

        /** ε of Algorithm 1. */
        @WithDefault("4e-5")
        double stepSize();

        /** The final denoising step; absent: each model's family default (NCSNv2 on, NCSN off). */
        Optional<Boolean> finalDenoise();

        /** Relative: a candidate's FID may be this much above the live version's. */
        @WithDefault("0")
        double tolerance();

        /** Held-out images (at most) the samples are compared with. */
        @WithDefault("1000")
        int referenceSize();

        default FidGateSettings toSettings() {
            return new FidGateSettings(enabled(), classifier().map(Path::of).orElse(null), samples(), batchSize(),
                    seed(), sampler(), stepsPerLevel(), stepSize(), finalDenoise().orElse(null), tolerance(),
                    referenceSize());
        }
    }

    /** Retention of old versions. */
    interface Retention {

        /** Keep the newest N versions of each model (and always the live one); 0 keeps all. */
        @WithDefault("0")
        int keepLast();
    }

    /** Defaults of run requests. */
    interface Defaults {

        @WithDefault("compact")
        String preset();

        @WithDefault("64")
        int batchSize();

        @WithDefault("10000")
        long steps();

        @WithDefault("1000")
        int checkpointEvery();

        @WithDefault("16")
        int previewCount();

        @WithDefault("10")
        int previewStepsPerLevel();
    }

    interface TopicSettings {

        /** Create the model-updates topic (compacted, one partition) if it is missing. */
        @WithDefault("true")
        boolean create();

        @WithDefault("1")
        short replicationFactor();

        /** Also in application.properties: the outgoing channel reads it from there. */
        @WithDefault(Topics.MODEL_UPDATES)
        String modelUpdates();
    }
}
