package dev.ncsn.cli;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.image.ImageGrid;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.sampling.AnnealedLangevinSampler;
import dev.ncsn.model.sampling.SamplingSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `ncsn sample`: annealed Langevin dynamics from a checkpoint, written as one PNG grid. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Sample images from a checkpoint with annealed Langevin dynamics and write them as one PNG grid.")
final class SampleCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, description = "A checkpoint directory, or a `ncsn train` output directory (its newest checkpoint)")
    Path checkpoint;

    @Option(names = "--count", defaultValue = "64", description = "Number of samples. Default: ${DEFAULT-VALUE}")
    int count;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", required = true, description = "PNG file to write")
    Path out;

    @Option(names = "--steps-per-level", defaultValue = "100", description = "T (paper: 100). Default: ${DEFAULT-VALUE}")
    int stepsPerLevel;

    @Option(names = "--step-size", defaultValue = "4e-5", description = "ε of Algorithm 1 (reference code's default, step_lr 2e-5 × 2). Default: ${DEFAULT-VALUE}")
    double stepSize;

    @Option(names = "--final-denoise", negatable = true, defaultValue = "true", description = "NCSNv2's final denoising step. Default: ${DEFAULT-VALUE}")
    boolean finalDenoise;

    @Override
    public Integer call() throws Exception {
        Path dir = CheckpointDirectory.resolve(checkpoint);
        LoadedCheckpoint loaded = Checkpoint.read(dir);
        var manifest = loaded.manifest();
        System.err.printf("sample: %s version %s, step %d%s%n", manifest.modelName(), manifest.versionId(),
                manifest.trainingStep(), manifest.ema() ? " (EMA weights)" : "");
        SamplingSpec spec = SamplingSpec.images(count, seed).withStepsPerLevel(stepsPerLevel).withEpsilon(stepSize)
                .withFinalDenoise(finalDenoise).withFrameEvery(1);
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel net = loaded.newNetwork(manager)) {
            var sampler = new AnnealedLangevinSampler(net);
            Progress progress = new Progress("sampling", (long) stepsPerLevel * manifest.schedule().levels()
                    + (finalDenoise ? 1 : 0));
            float[] samples = sampler.sample(spec, null, frame -> progress.update(frame.completedSteps(),
                    String.format("level %d/%d σ=%.3f", frame.level(), manifest.schedule().levels(), frame.sigma())),
                    manager);
            var shape = manifest.dataShape();
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(out, ImageGrid.png(samples, count, shape.channels(), shape.height(), shape.width()));
        }
        System.out.println(new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("out", out.toString()).put("count", count).put("seed", seed)
                .put("model", manifest.modelName()).put("version", manifest.versionId()));
        return 0;
    }
}
