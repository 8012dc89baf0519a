package dev.ncsn.trainer.core;

import com.fasterxml.jackson.annotation.JsonCreator;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.model.train.Adam;
import dev.ncsn.model.train.ExponentialMovingAverage;
import dev.ncsn.model.train.TrainingConfig;
import dev.ncsn.trainer.config.RunDefaults;
import dev.ncsn.trainer.data.DatasetRef;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The body of {@code POST /v1/runs}, as sent: every field optional at this level; {@link #toSpec} checks them,
 * fills in defaults and says what is wrong, field by field. Unknown fields are refused (a typo should not silently
 * train with a default).
 *
 * <pre>
 * {"model": "fashion-mnist", "data": {"dataset": "fashion-mnist", "version": "latest"},
 *  "preset": "compact", "batchSize": 64, "steps": 5000, "checkpointEvery": 500}
 * </pre>
 * A run of a family that designs its schedule (ncsnv2) without a {@code "schedule": {"sigmaMax": …, "sigmaMin": …,
 * "levels": …}} gets one designed from its training data when it first trains.
 */
public record RunRequest(
        String runId,
        String model,
        Source data,
        Source heldOut,
        String init,
        Boolean continuous,
        String preset,
        ArchitectureField architecture,
        ScheduleField schedule,
        String objective,
        Integer batchSize,
        Long steps,
        Double learningRate,
        Double emaRate,
        Long seed,
        Boolean randomFlip,
        Integer checkpointEvery,
        Integer previewCount,
        Integer previewStepsPerLevel) {

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,47}");
    private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT);

    @JsonCreator
    public RunRequest {
    }

    /** A data reference as sent (see {@link DatasetRef} for the three forms). */
    public record Source(String path, String prefix, String dataset, String version) {
    }

    /** A custom network: its family (default ncsn), channels, image size, ngf and noise levels. */
    public record ArchitectureField(String family, Integer channels, Integer imageSize, Integer ngf, Integer levels) {

        @JsonCreator
        public ArchitectureField {
        }

        /** An NCSN network. */
        public ArchitectureField(Integer channels, Integer imageSize, Integer ngf, Integer levels) {
            this(null, channels, imageSize, ngf, levels);
        }
    }

    /** An explicit noise schedule: σ1, σL and the number of levels, geometric in between. */
    public record ScheduleField(Double sigmaMax, Double sigmaMin, Integer levels) {
    }

    /** A request as before schedules could be given (every caller that names none). */
    public RunRequest(String runId, String model, Source data, Source heldOut, String init, Boolean continuous,
                      String preset, ArchitectureField architecture, String objective, Integer batchSize, Long steps,
                      Double learningRate, Double emaRate, Long seed, Boolean randomFlip, Integer checkpointEvery,
                      Integer previewCount, Integer previewStepsPerLevel) {
        this(runId, model, data, heldOut, init, continuous, preset, architecture, null, objective, batchSize, steps,
                learningRate, emaRate, seed, randomFlip, checkpointEvery, previewCount, previewStepsPerLevel);
    }

    /** Parses a JSON body strictly. */
    public static RunRequest parse(String json) {
        try {
            return Contracts.decode(json, RunRequest.class);
        } catch (Contracts.InvalidMessageException e) {
            throw new InvalidRunException(e.getMessage(), e);
        }
    }

    /** Checks the request and fills in defaults; data references stay as sent ("latest" is resolved later). */
    public RunSpec toSpec(RunDefaults defaults) {
        String id = runId == null ? newRunId() : runId;
        if (!RUN_ID.matcher(id).matches()) {
            throw new InvalidRunException("runId must be 1-48 letters, digits, '.', '_' or '-', starting with a "
                    + "letter or digit; got \"" + id + "\"");
        }
        if (model == null) {
            throw new InvalidRunException("model is required: the name the versions are published under");
        }
        try {
            ModelStore.requireName(model, "model");
        } catch (IllegalArgumentException e) {
            throw new InvalidRunException(e.getMessage());
        }
        if (data == null) {
            throw new InvalidRunException("data is required: {\"path\": …}, {\"prefix\": …} or {\"dataset\": …, "
                    + "\"version\": …}");
        }
        DatasetRef dataRef = ref("data", data);
        DatasetRef heldOutRef = heldOut == null ? null : ref("heldOut", heldOut);
        RunSpec.Init initValue = parseEnum("init", init, RunSpec.Init.class, RunSpec.Init.SCRATCH);
        boolean isContinuous = continuous != null && continuous;
        if (isContinuous && !dataRef.isVersioned()) {
            throw new InvalidRunException("a continuous run follows the versions of a dataset: data must be "
                    + "{\"dataset\": NAME}, not " + dataRef);
        }
        Architecture arch = architecture(defaults);
        NoiseSchedule given = givenSchedule();
        if (given != null) {
            arch = arch.withLevels(given.levels());
        } else if (!ScoreNetworks.family(arch).designsSchedule()) {
            given = ScoreNetworks.defaultSchedule(arch);
        }
        TrainingConfig.Objective objectiveValue = parseEnum("objective", objective, TrainingConfig.Objective.class,
                TrainingConfig.Objective.DSM);
        int batch = batchSize == null ? defaults.batchSize() : batchSize;
        if (batch < 1 || batch > 4096) {
            throw new InvalidRunException("batchSize must be between 1 and 4096, got " + batch);
        }
        long stepCount = steps == null ? defaults.steps() : steps;
        if (stepCount < 1 || stepCount > 100_000_000L) {
            throw new InvalidRunException("steps must be between 1 and 100000000, got " + stepCount);
        }
        double lr = learningRate == null ? Adam.PAPER_LEARNING_RATE : learningRate;
        if (!(lr > 0 && lr <= 1)) {
            throw new InvalidRunException("learningRate must be in (0, 1], got " + lr);
        }
        double ema = emaRate == null ? ExponentialMovingAverage.NCSNV2_RATE : emaRate;
        if (!(ema >= 0 && ema < 1)) {
            throw new InvalidRunException("emaRate must be in [0, 1), got " + ema);
        }
        int every = checkpointEvery == null ? defaults.checkpointEvery() : checkpointEvery;
        if (every < 1) {
            throw new InvalidRunException("checkpointEvery must be at least 1, got " + every);
        }
        int preview = previewCount == null ? defaults.previewCount() : previewCount;
        if (preview < 1 || preview > 64) {
            throw new InvalidRunException("previewCount must be between 1 and 64, got " + preview);
        }
        int previewSteps = previewStepsPerLevel == null ? defaults.previewStepsPerLevel() : previewStepsPerLevel;
        if (previewSteps < 1 || previewSteps > 1000) {
            throw new InvalidRunException("previewStepsPerLevel must be between 1 and 1000, got " + previewSteps);
        }
        return new RunSpec(id, model, dataRef, heldOutRef, initValue, isContinuous, arch, objectiveValue, batch,
                stepCount, lr, ema, seed == null ? 0L : seed, randomFlip != null && randomFlip, every, preview,
                previewSteps, given, null);
    }

    /** The request's schedule, checked, or null when it names none. */
    private NoiseSchedule givenSchedule() {
        if (schedule == null) {
            return null;
        }
        ScheduleField f = schedule;
        if (f.sigmaMax() == null || f.sigmaMin() == null || f.levels() == null) {
            throw new InvalidRunException("schedule needs sigmaMax, sigmaMin and levels");
        }
        if (f.levels() < 1 || f.levels() > 1000) {
            throw new InvalidRunException("schedule.levels must be between 1 and 1000, got " + f.levels());
        }
        try {
            return new NoiseSchedule(f.sigmaMax(), f.sigmaMin(), f.levels());
        } catch (IllegalArgumentException e) {
            throw new InvalidRunException("schedule: " + e.getMessage());
        }
    }

    private Architecture architecture(RunDefaults defaults) {
        if (preset != null && architecture != null) {
            throw new InvalidRunException("give either preset or architecture, not both");
        }
        if (architecture != null) {
            ArchitectureField a = architecture;
            if (a.channels() == null || a.imageSize() == null || a.ngf() == null) {
                throw new InvalidRunException("architecture needs channels, imageSize and ngf (levels defaults to 10)");
            }
            if (a.channels() != 1 && a.channels() != 3) {
                throw new InvalidRunException("architecture.channels must be 1 or 3, got " + a.channels());
            }
            if (a.imageSize() < 8 || a.imageSize() > 256 || a.imageSize() % 4 != 0) {
                throw new InvalidRunException("architecture.imageSize must be a multiple of 4 between 8 and 256, got "
                        + a.imageSize());
            }
            if (a.ngf() < 1 || a.ngf() > 512) {
                throw new InvalidRunException("architecture.ngf must be between 1 and 512, got " + a.ngf());
            }
            int levels = a.levels() == null ? 10 : a.levels();
            if (levels < 1 || levels > 1000) {
                throw new InvalidRunException("architecture.levels must be between 1 and 1000, got " + levels);
            }
            String family = a.family() == null ? Architecture.DEFAULT_FAMILY : a.family();
            try {
                ScoreNetworks.family(family);
            } catch (IllegalArgumentException e) {
                throw new InvalidRunException("architecture.family: " + e.getMessage());
            }
            return new Architecture(family, "custom", a.channels(), a.imageSize(), a.ngf(), levels);
        }
        String name = preset == null ? defaults.preset() : preset;
        try {
            return Architecture.preset(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidRunException("preset: " + e.getMessage());
        }
    }

    private static DatasetRef ref(String field, Source s) {
        try {
            return new DatasetRef(s.path(), s.prefix(), s.dataset(), s.version());
        } catch (IllegalArgumentException e) {
            throw new InvalidRunException(field + ": " + e.getMessage());
        }
    }

    private static <E extends Enum<E>> E parseEnum(String field, String value, Class<E> type, E fallback) {
        if (value == null) {
            return fallback;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.trim())) {
                return e;
            }
        }
        throw new InvalidRunException(field + " must be one of " + java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList() + ", got \"" + value + "\"");
    }

    /** run-yyyyMMdd-HHmmss-xxxx (UTC, four random hex digits). */
    static String newRunId() {
        return "run-" + RUN_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)) + "-"
                + UUID.randomUUID().toString().substring(0, 4);
    }
}
