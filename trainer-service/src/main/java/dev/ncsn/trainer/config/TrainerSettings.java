package dev.ncsn.trainer.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@code TrainerNode} needs, as plain values so tests build nodes without Quarkus. The service
 * builds it from {@code TrainerConfig} ({@code ncsn.trainer.*}).
 *
 * @param workDir            local directory of training state (and the place a restarted trainer looks first)
 * @param maxConcurrentRuns  runs that may train at once on this trainer
 * @param resumeOnStart      pick up runs that were running when the trainer went away
 * @param stateKeep          saved states kept per run segment, locally and in the bucket
 * @param dataPollInterval   how often a continuous run looks for a new dataset version
 * @param logEvery           progress log interval
 * @param gate               promotion gate
 * @param keepLast           versions kept per model besides the live one (0 = all; {@code RetentionPolicy})
 * @param defaults           what run requests may leave out
 * @param eventSendAttempts  tries to send a model-update event before giving up (the pointer stays)
 * @param dataRoots          the directories local data ({@code {"path": …}}) may come from ({@code DataRoots})
 */
public record TrainerSettings(Path workDir, int maxConcurrentRuns, boolean resumeOnStart, int stateKeep,
                              Duration dataPollInterval, Duration logEvery, GateSettings gate,
                              int keepLast, RunDefaults defaults, int eventSendAttempts, List<Path> dataRoots) {

    /** Debian's dataset packages ({@code scripts/install-system-packages.sh --datasets}) and the usual mount. */
    public static final List<Path> STANDARD_DATA_ROOTS = List.of(Path.of("/usr/share/datasets"), Path.of("/data"));

    public TrainerSettings {
        Objects.requireNonNull(workDir, "workDir");
        dataRoots = List.copyOf(dataRoots);
        Objects.requireNonNull(gate, "gate");
        Objects.requireNonNull(defaults, "defaults");
        if (maxConcurrentRuns < 1 || stateKeep < 1 || eventSendAttempts < 1) {
            throw new IllegalArgumentException("maxConcurrentRuns, stateKeep and eventSendAttempts must be positive");
        }
        if (keepLast < 0) {
            throw new IllegalArgumentException("keepLast must be 0 (keep all) or positive, got " + keepLast);
        }
    }

    public static TrainerSettings defaults(Path workDir) {
        return new TrainerSettings(workDir, 1, true, 2, Duration.ofMinutes(5), Duration.ofSeconds(10),
                new GateSettings(0.02, 256, 20190707L, 32), 0,
                RunDefaults.standard(), 3, standardDataRoots(workDir));
    }

    /** {@link #STANDARD_DATA_ROOTS} and the work directory's {@code datasets/}, as {@code ncsn.trainer.data-roots}. */
    public static List<Path> standardDataRoots(Path workDir) {
        return java.util.stream.Stream.concat(STANDARD_DATA_ROOTS.stream(), java.util.stream.Stream.of(
                workDir.resolve("datasets"))).toList();
    }

    public TrainerSettings withDataRoots(List<Path> roots) {
        return new TrainerSettings(workDir, maxConcurrentRuns, resumeOnStart, stateKeep, dataPollInterval, logEvery,
                gate, keepLast, defaults, eventSendAttempts, roots);
    }

    public TrainerSettings withGate(GateSettings g) {
        return new TrainerSettings(workDir, maxConcurrentRuns, resumeOnStart, stateKeep, dataPollInterval, logEvery,
                g, keepLast, defaults, eventSendAttempts, dataRoots);
    }

    public TrainerSettings withKeepLast(int n) {
        return new TrainerSettings(workDir, maxConcurrentRuns, resumeOnStart, stateKeep, dataPollInterval, logEvery,
                gate, n, defaults, eventSendAttempts, dataRoots);
    }

    public TrainerSettings withDataPollInterval(Duration d) {
        return new TrainerSettings(workDir, maxConcurrentRuns, resumeOnStart, stateKeep, d, logEvery, gate,
                keepLast, defaults, eventSendAttempts, dataRoots);
    }

    public TrainerSettings withMaxConcurrentRuns(int n) {
        return new TrainerSettings(workDir, n, resumeOnStart, stateKeep, dataPollInterval, logEvery, gate,
                keepLast, defaults, eventSendAttempts, dataRoots);
    }
}
