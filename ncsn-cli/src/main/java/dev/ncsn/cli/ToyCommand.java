package dev.ncsn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.GaussianMixture;
import dev.ncsn.model.GaussianMixtureScore;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.sampling.FrameListener;
import dev.ncsn.model.toy.ToyExperiment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** `ncsn toy`: the paper's Figure 3 on the two-Gaussian mixture, with the exact or a learned score. */
@Command(name = "toy", mixinStandardHelpOptions = true,
        description = "Reproduces the paper's Figure 3: sample 1/5·N((−5,−5),I) + 4/5·N((5,5),I) from uniform noise on "
                + "[−8,8]² and print one JSON line with lowerLeftFraction (the share nearer (−5,−5); truth 0.2).")
final class ToyCommand implements Callable<Integer> {

    enum ScoreName { exact, learned }

    @Mixin
    SamplerChoice samplerChoice;

    @Option(names = "--steps-per-level", defaultValue = "100", description = "T (the reference toy code: 100). "
            + "Default: ${DEFAULT-VALUE}")
    int stepsPerLevel;

    @Option(names = "--samples", defaultValue = "10000", description = "Number of samples. Default: ${DEFAULT-VALUE}")
    int samples;

    @Option(names = "--seed", defaultValue = "0", description = "Random seed. Default: ${DEFAULT-VALUE}")
    long seed;

    @Option(names = "--score", defaultValue = "exact",
            description = "exact: the mixture's exact perturbed score; learned: first train a small score network "
                    + "by denoising score matching on samples of the mixture. Default: ${DEFAULT-VALUE}")
    ScoreName score;

    @Option(names = "--train-steps", defaultValue = "3000",
            description = "Training steps for --score learned (batch 128). Default: ${DEFAULT-VALUE}")
    int trainSteps;

    @Override
    public Integer call() throws Exception {
        if (samples < 1) {
            throw new IllegalArgumentException("--samples must be at least 1");
        }
        long started = System.nanoTime();
        ScoreModel model;
        if (score == ScoreName.exact) {
            model = new GaussianMixtureScore(GaussianMixture.paperToy(), NoiseSchedule.TOY);
        } else {
            if (trainSteps < 1) {
                throw new IllegalArgumentException("--train-steps must be at least 1");
            }
            Progress training = new Progress("training the score network (DSM)", trainSteps);
            model = ToyExperiment.learnScore(trainSteps, seed,
                    (loss, step) -> training.update(step, String.format("loss %.3f", loss)));
        }
        var spec = ToyExperiment.spec(samplerChoice.sampler(), samples, seed).withStepsPerLevel(stepsPerLevel);
        int evaluations = new dev.ncsn.model.sampling.SamplingRunner(model).networkEvaluations(spec);
        Progress progress = new Progress("sampling (" + spec.sampler().name() + ")", evaluations);
        FrameListener onFrame = frame -> progress.update(frame.completedSteps(),
                String.format("level %d/%d σ=%.2f", frame.level(), frame.levels(), frame.sigma()));
        ToyExperiment.Result result;
        try {
            result = ToyExperiment.run(model, spec, onFrame);
        } finally {
            if (model instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
        ObjectNode line = new ObjectMapper().createObjectNode();
        SamplerChoice.report(line, spec.sampler(), evaluations);
        line.put("score", score.name())
                .put("samples", samples)
                .put("seed", seed)
                .put("trainSteps", score == ScoreName.learned ? trainSteps : 0)
                .put("lowerLeftFraction", result.lowerLeftFraction())
                .put("upperRightFraction", result.upperRightFraction())
                .put("trueLowerLeftWeight", 0.2)
                .put("meanDistanceToNearestMode", result.meanDistanceToNearestMode())
                .put("seconds", (System.nanoTime() - started) / 1e9);
        System.out.println(line);
        return 0;
    }
}
