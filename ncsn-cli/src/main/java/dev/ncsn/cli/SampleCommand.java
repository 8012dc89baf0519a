package dev.ncsn.cli;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.image.ImageGrid;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.sampling.SamplingDefaults;
import dev.ncsn.model.sampling.SamplingRunner;
import dev.ncsn.model.sampling.SamplingSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** `ncsn sample`: any sampler (annealed Langevin by default) on a checkpoint, written as one PNG grid. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Sample images from a checkpoint (annealed Langevin dynamics unless --sampler says otherwise) and "
                + "write them as one PNG grid; one JSON line reports the sampler and its network evaluations per sample.")
final class SampleCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", required = true, description = "A checkpoint directory, or a `ncsn train` output directory (its newest checkpoint)")
    Path checkpoint;

    @Option(names = "--count", defaultValue = "64", description = "Number of samples. Default: ${DEFAULT-VALUE}")
    int count;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--out", required = true, description = "PNG file to write")
    Path out;

    @Mixin
    SamplerChoice samplerChoice;

    @Option(names = "--steps-per-level", description = "T, the sampler's steps at each noise level: Langevin steps, "
            + "or predictor steps each with its corrector steps. Default: the checkpoint's (NCSN: the paper's 100; "
            + "NCSNv2: 5, as its schedule was designed)")
    Integer stepsPerLevel;

    @Option(names = "--levels", defaultValue = "0", description = "Noise levels to sample through; 0: the model's "
            + "trained levels (others need a network that accepts any σ). Default: ${DEFAULT-VALUE}")
    int levels;

    @Option(names = "--step-size", description = "ε of Algorithm 1. Default: the checkpoint's (NCSN: 4e-5, the "
            + "reference code's step_lr 2e-5 × 2; NCSNv2: Technique 4's ε for the chosen T on its levels)")
    Double stepSize;

    @Option(names = "--final-denoise", negatable = true, description = "NCSNv2's final denoising step. Default: on for "
            + "NCSNv2 checkpoints, off for NCSN ones (the network family's choice)")
    Boolean finalDenoise;

    @Override
    public Integer call() throws Exception {
        Path dir = CheckpointDirectory.resolve(checkpoint);
        LoadedCheckpoint loaded = Checkpoint.read(dir);
        var manifest = loaded.manifest();
        System.err.printf("sample: %s version %s, step %d%s%n", manifest.modelName(), manifest.versionId(),
                manifest.trainingStep(), manifest.ema() ? " (EMA weights)" : "");
        SamplingDefaults chosen = ScoreNetworks.samplingDefaults(manifest.architecture(), manifest.schedule())
                .overriddenBy(stepsPerLevel, stepSize, finalDenoise);
        int steps = chosen.stepsPerLevel();
        boolean denoise = chosen.finalDenoise();
        SamplingSpec spec = SamplingSpec.images(count, seed).withSampler(samplerChoice.sampler())
                .withStepsPerLevel(steps).withEpsilon(chosen.stepSize()).withLevels(levels)
                .withFinalDenoise(denoise).withFrameEvery(1);
        int evaluations;
        try (NDManager manager = NDManager.newBaseManager();
             TrainableScoreModel net = loaded.newNetwork(manager)) {
            var runner = new SamplingRunner(net);
            evaluations = runner.networkEvaluations(spec);
            Progress progress = new Progress("sampling (" + spec.sampler().name() + ")", evaluations);
            float[] samples = runner.sample(spec, null, frame -> progress.update(frame.completedSteps(),
                    String.format("level %d/%d σ=%.3f", frame.level(), frame.levels(), frame.sigma())),
                    manager);
            var shape = manifest.dataShape();
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(out, ImageGrid.png(samples, count, shape.channels(), shape.height(), shape.width()));
        }
        var line = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode()
                .put("out", out.toString()).put("count", count).put("seed", seed)
                .put("model", manifest.modelName()).put("version", manifest.versionId());
        SamplerChoice.report(line, spec.sampler(), evaluations);
        line.put("stepsPerLevel", steps).put("stepSize", spec.epsilon()).put("finalDenoise", denoise);
        System.out.println(line);
        return 0;
    }
}
