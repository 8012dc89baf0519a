package dev.ncsn.cli;

import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.data.Datasets;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.sampling.PreviewGrid;
import dev.ncsn.model.train.TrainingConfig;
import dev.ncsn.model.train.TrainingRun;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * `ncsn train`: denoising score matching on a local data set, without the services. Resumable: run the same
 * command again after a crash or Ctrl-C and it continues from the last saved state to the same total step count.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a score network on local data. Rerun the same command to resume; Ctrl-C saves and stops.")
final class TrainCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, description = "MNIST-format IDX files, CIFAR-10 batches or a folder of images")
    Path data;

    @Option(names = "--preset", defaultValue = "compact", description = "mnist, cifar10, compact (NCSN), ncsnv2-cifar10 or ncsnv2-compact (NCSNv2). Default: ${DEFAULT-VALUE}")
    String preset;

    @Option(names = "--steps", required = true, description = "Total training steps (a resumed run stops at the same total)")
    long steps;

    @Option(names = "--out", required = true, description = "Output directory: state/, checkpoints/, loss.csv")
    Path out;

    @Option(names = "--model", defaultValue = "fashion-mnist", description = "Model name in the checkpoints. Default: ${DEFAULT-VALUE}")
    String model;

    @Option(names = "--batch", defaultValue = "64", description = "Batch size. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--lr", defaultValue = "1e-3", description = "Adam learning rate (paper: 1e-3). Default: ${DEFAULT-VALUE}")
    double learningRate;

    @Option(names = "--ema", defaultValue = "0.999", description = "EMA rate of the published weights (NCSNv2: 0.999). Default: ${DEFAULT-VALUE}")
    double emaRate;

    @Option(names = "--objective", defaultValue = "DSM", description = "DSM (denoising) or SSM (sliced). Default: ${DEFAULT-VALUE}")
    TrainingConfig.Objective objective;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of weights, data order and noise. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--flip", description = "Random horizontal flips")
    boolean flip;

    @Option(names = "--checkpoint-every", defaultValue = "500", description = "Steps between saved states and published checkpoints. Default: ${DEFAULT-VALUE}")
    int checkpointEvery;

    /** An explicit noise schedule: all three or none. */
    static final class ScheduleOptions {
        @Option(names = "--sigma-max", required = true, paramLabel = "σ1", description = "The largest noise level")
        double sigmaMax;

        @Option(names = "--sigma-min", required = true, paramLabel = "σL", description = "The smallest noise level")
        double sigmaMin;

        @Option(names = "--levels", required = true, paramLabel = "L", description = "The number of levels (geometric from σ1 to σL)")
        int levels;

        NoiseSchedule schedule() {
            return new NoiseSchedule(sigmaMax, sigmaMin, levels);
        }
    }

    @ArgGroup(exclusive = false, multiplicity = "0..1", heading = "%nNoise schedule (a new run of an NCSNv2 preset designs "
            + "one from the data unless it is given; NCSN presets default to σ 1 → 0.01 over 10 levels):%n")
    ScheduleOptions schedule;

    @Option(names = "--preview-steps", defaultValue = "10", description = "Langevin steps per level of each checkpoint's sample grid (0: none). Default: ${DEFAULT-VALUE}")
    int previewSteps;

    @Override
    public Integer call() throws IOException {
        if (steps < 1 || batch < 1 || checkpointEvery < 1) {
            throw new IllegalArgumentException("--steps, --batch and --checkpoint-every must be at least 1");
        }
        Dataset dataset = Datasets.open(data);
        System.err.printf("train: %s%n", dataset);
        Files.createDirectories(CheckpointDirectory.checkpoints(out));
        Path state = CheckpointDirectory.state(out);
        Architecture architecture = Architecture.preset(preset);
        TrainingConfig asked = new TrainingConfig(model, architecture, ScoreNetworks.defaultSchedule(architecture),
                objective, batch, learningRate, emaRate, seed, flip);
        NoiseSchedule given = schedule == null ? null : schedule.schedule();
        TrainingRun run;
        if (TrainingRun.hasState(state)) {
            TrainingConfig saved = TrainingRun.savedConfig(state);
            // a resumed run keeps the schedule it was saved with, unless the command names another one
            TrainingConfig wanted = given != null ? asked.withSchedule(given, null)
                    : asked.withSchedule(saved.schedule(), saved.scheduleDesign());
            if (!saved.equals(wanted)) {
                throw new IllegalArgumentException("--out " + out + " holds a run with other settings (" + saved
                        + "); use another --out or the same options");
            }
            run = TrainingRun.resume(state, dataset);
            System.err.printf("train: resuming at step %d of %d on σ %s → %s over %d levels%n", run.step(), steps,
                    saved.schedule().sigmaMax(), saved.schedule().sigmaMin(), saved.schedule().levels());
        } else {
            if (given == null && ScoreNetworks.family(architecture).designsSchedule()) {
                System.err.printf("train: designing the noise schedule from the %,d training images…%n", dataset.size());
            }
            TrainingConfig wanted = asked.forNewRun(given, dataset);
            if (wanted.scheduleDesign() != null) {
                wanted.scheduleDesign().describe().forEach(line -> System.err.println("train: " + line));
            }
            run = TrainingRun.start(wanted, dataset);
            System.err.printf("train: new run, %s preset (%,d parameters), %d steps, σ %s → %s over %d levels (%s)%n",
                    preset, wanted.architecture().parameterCount(), steps, wanted.schedule().sigmaMax(),
                    wanted.schedule().sigmaMin(), wanted.schedule().levels(), given != null ? "given"
                            : wanted.scheduleDesign() != null ? "designed from the data" : "the preset's");
        }
        // Ctrl-C / SIGTERM: let the current step finish, save, then exit.
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                finished.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        Path lossCsv = out.resolve("loss.csv");
        if (!Files.exists(lossCsv)) {
            Files.writeString(lossCsv, "step,loss,seconds\n");
        }
        try (run) {
            Progress progress = new Progress("train", steps - run.step());
            long startStep = run.step();
            long started = System.nanoTime();
            double smoothed = Double.NaN;
            StringBuilder pending = new StringBuilder();
            while (run.step() < steps && !stop.get()) {
                double loss = run.trainStep();
                smoothed = Double.isNaN(smoothed) ? loss : 0.98 * smoothed + 0.02 * loss;
                pending.append(String.format(Locale.ROOT, "%d,%.6f,%.2f%n", run.step(), loss,
                        (System.nanoTime() - started) / 1e9));
                progress.update(run.step() - startStep, String.format(Locale.ROOT, "step %d loss %.4f", run.step(), smoothed));
                if (run.step() % checkpointEvery == 0 || run.step() == steps) {
                    save(run, pending, lossCsv, true);
                }
            }
            if (!stop.get() && run.step() >= steps && !Files.exists(published(run))) {
                // A finished run resumed where only state/ travelled (checkpoints/ is not committed): publish
                // its final EMA checkpoint so `--checkpoint DIR` finds it (the state is already saved).
                publish(run, true);
            }
            if (stop.get() && run.step() % checkpointEvery != 0) {
                // The JVM is shutting down: DJL refuses new native resources now, so no sample grid this time.
                save(run, pending, lossCsv, false);
                System.err.printf("%ntrain: stopped at step %d; rerun the same command to resume%n", run.step());
            }
            var line = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("step", run.step());
            if (Double.isNaN(smoothed)) {
                line.putNull("loss"); // no step ran in this invocation
            } else {
                line.put("loss", smoothed);
            }
            System.out.println(line.put("checkpoint", CheckpointDirectory.resolve(out).toString())
                    .put("seconds", (System.nanoTime() - started) / 1e9));
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
        return 0;
    }

    /** Loss lines, resumable state, then the published EMA checkpoint with its sample grid, then LATEST. */
    private void save(TrainingRun run, StringBuilder pending, Path lossCsv, boolean preview) throws IOException {
        Files.writeString(lossCsv, pending, StandardOpenOption.APPEND);
        pending.setLength(0);
        run.saveState(CheckpointDirectory.state(out), 2);
        publish(run, preview);
    }

    /** The EMA checkpoint of the run's step with its sample grid, unless already there, then LATEST. */
    private void publish(TrainingRun run, boolean preview) throws IOException {
        Path dir = published(run);
        String name = dir.getFileName().toString();
        if (!Files.exists(dir)) {
            run.writeEmaCheckpoint(dir, name);
            if (preview && previewSteps > 0) {
                byte[] png = PreviewGrid.png(run.emaNetwork(), 16, 0, previewSteps, f -> { });
                Files.write(dir.resolve("samples.png"), png);
            }
        }
        CheckpointDirectory.markLatest(out, name);
    }

    private Path published(TrainingRun run) {
        return CheckpointDirectory.checkpoints(out).resolve(String.format("step-%09d", run.step()));
    }
}
