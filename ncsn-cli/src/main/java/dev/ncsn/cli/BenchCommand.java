package dev.ncsn.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.data.ByteDataset;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.sampling.SamplingRunner;
import dev.ncsn.model.sampling.FrameListener;
import dev.ncsn.model.sampling.SamplingJob;
import dev.ncsn.model.sampling.SamplingSpec;
import dev.ncsn.model.train.TrainingConfig;
import dev.ncsn.model.train.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * `ncsn bench`: wall time of annealed-Langevin steps of the network (a forward pass plus the update) and of
 * denoising-score-matching training steps (forward, backward, Adam, EMA), after warm-up.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time S annealed-Langevin steps of the network at batch B after a warm-up, and DSM training "
                + "steps; print one JSON line with secondsPerLangevinStep, secondsPerTrainStep and GFLOP/s.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--preset", defaultValue = "mnist", description = "mnist, cifar10, compact (NCSN), ncsnv2-cifar10 or ncsnv2-compact (NCSNv2). Default: ${DEFAULT-VALUE}")
    String preset;

    @Option(names = "--batch", defaultValue = "64", description = "Images per Langevin step. Default: ${DEFAULT-VALUE}")
    int batch;

    @Option(names = "--train-batch", description = "Images per training step. Default: twice --batch, as the "
            + "reference figures (Langevin at 64, training at 128)")
    Integer trainBatch;

    @Option(names = "--steps", defaultValue = "5", description = "Timed Langevin steps. Default: ${DEFAULT-VALUE}")
    int steps;

    @Option(names = "--train-steps", defaultValue = "2", description = "Timed training steps. Default: ${DEFAULT-VALUE}")
    int trainSteps;

    @Override
    public Integer call() {
        if (batch < 1 || steps < 1 || trainSteps < 1) {
            throw new IllegalArgumentException("--batch, --steps and --train-steps must be at least 1");
        }
        Architecture arch = Architecture.preset(preset);
        int tb = trainBatch == null ? 2 * batch : trainBatch;
        double flops = arch.flopsPerImage();

        double langevin;
        double langevinCpu;
        double trainCpu;
        double loadBefore = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel net = ScoreNetworks.create(arch, ScoreNetworks.defaultSchedule(arch), manager, 0)) {
            var sampler = new SamplingRunner(net);
            SamplingJob chain = sampler.job(SamplingSpec.images(batch, 1).withStepsPerLevel(steps + 2),
                    null, FrameListener.NONE);
            List<SamplingJob> chains = List.of(chain);
            System.err.println("bench: warming up the network…");
            sampler.step(chains, manager);
            sampler.step(chains, manager);
            Progress progress = new Progress("langevin steps (batch " + batch + ")", steps);
            long c0 = cpuNanos();
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                sampler.step(chains, manager);
                progress.update(i + 1, "");
            }
            langevin = (System.nanoTime() - t0) / 1e9 / steps;
            langevinCpu = (cpuNanos() - c0) / 1e9 / steps;
        }

        double train;
        ByteDataset noise = randomImages(arch, Math.max(tb, 256));
        TrainingConfig config = TrainingConfig.paper("bench", arch, tb, 0);
        try (TrainingRun run = TrainingRun.start(config, noise)) {
            System.err.println("bench: warming up training…");
            run.trainStep();
            Progress progress = new Progress("training steps (batch " + tb + ")", trainSteps);
            long c0 = cpuNanos();
            long t0 = System.nanoTime();
            for (int i = 0; i < trainSteps; i++) {
                run.trainStep();
                progress.update(i + 1, "");
            }
            train = (System.nanoTime() - t0) / 1e9 / trainSteps;
            trainCpu = (cpuNanos() - c0) / 1e9 / trainSteps;
        }
        var line = new ObjectMapper().createObjectNode()
                .put("preset", arch.preset())
                .put("batch", batch)
                .put("trainBatch", tb)
                .put("threads", Runtime.getRuntime().availableProcessors())
                .put("secondsPerLangevinStep", langevin)
                .put("secondsPerTrainStep", train)
                .put("langevinGflopsPerSecond", flops * batch / langevin / 1e9)
                // A training step costs about three forward passes (forward, and backward through inputs and weights).
                .put("trainGflopsPerSecond", 3 * flops * tb / train / 1e9)
                .put("flopsPerImage", arch.flopsPerImage())
                // CPU seconds of this process per step: on a machine shared with other work, wall time alone
                // overstates the cost; on an idle machine wall ≈ CPU / threads.
                .put("cpuSecondsPerLangevinStep", langevinCpu)
                .put("cpuSecondsPerTrainStep", trainCpu)
                .put("loadAverageAtStart", loadBefore);
        System.out.println(line);
        return 0;
    }

    private static long cpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0L;
    }

    /** Uniform-noise images: timing does not depend on pixel values, and the bench needs no data set. */
    private static ByteDataset randomImages(Architecture arch, int n) {
        int size = arch.channels() * arch.imageSize() * arch.imageSize();
        byte[] pixels = new byte[n * size];
        new SplittableRandom(0).nextBytes(pixels);
        return new ByteDataset("uniform noise", n, arch.channels(), arch.imageSize(), arch.imageSize(), pixels);
    }
}
