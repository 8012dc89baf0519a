package dev.ncsn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.data.Datasets;
import dev.ncsn.model.schedule.ScheduleDesigner;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** `ncsn schedule`: a noise schedule designed from training data by NCSNv2's Techniques 1, 2 and 4. */
@Command(name = "schedule", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Design a noise schedule from training data (NCSNv2, Song & Ermon 2020): σ1 from the largest "
                + "distance between two training images (Technique 1), the number of levels from the data's dimension "
                + "(Technique 2), and ε for T steps per level (Technique 4).",
                "Prints each rule's value on standard error and one JSON line on standard output. Looks at every pair "
                + "of images: for 60,000 Fashion-MNIST images about 40 CPU seconds (4 minutes on a busy 2-core "
                + "machine)."})
final class ScheduleCommand implements Callable<Integer> {

    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "Training data: MNIST-style IDX files, CIFAR-10 binaries or a folder of images")
    Path data;

    @Option(names = "--steps-per-level", defaultValue = "5", paramLabel = "T",
            description = "T, the Langevin steps per level ε is chosen for. Default: ${DEFAULT-VALUE} (the reference's "
                    + "CIFAR-10 setting)")
    int stepsPerLevel;

    @Option(names = "--sigma-min", defaultValue = "0.01", paramLabel = "σL",
            description = "The smallest level. Default: ${DEFAULT-VALUE} (NCSN's and NCSNv2's)")
    double sigmaMin;

    @Option(names = "--coverage", defaultValue = "0.5", paramLabel = "C",
            description = "Technique 2's target for Φ(√(2D)(γ−1)+3γ) − Φ(√(2D)(γ−1)−3γ). Default: ${DEFAULT-VALUE} (the "
                    + "paper's; the reference configurations correspond to about 0.57)")
    double coverage;

    @Override
    public Integer call() {
        if (stepsPerLevel < 1) {
            throw new IllegalArgumentException("--steps-per-level must be at least 1");
        }
        if (!(sigmaMin > 0)) {
            throw new IllegalArgumentException("--sigma-min must be positive");
        }
        Dataset dataset = Datasets.open(data);
        System.err.printf("schedule: %s%n", dataset);
        System.err.printf("schedule: comparing all %,d pairs of images…%n", (long) dataset.size() * (dataset.size() - 1) / 2);
        long start = System.nanoTime();
        ScheduleDesigner.Design d = ScheduleDesigner.design(dataset, sigmaMin, coverage, stepsPerLevel);
        double seconds = (System.nanoTime() - start) / 1e9;
        var f = d.farthest();
        var s = d.schedule();
        d.describe().forEach(System.err::println);
        System.err.printf(Locale.ROOT, "schedule: %.1f s%n", seconds);
        ObjectMapper json = new ObjectMapper();
        ObjectNode line = json.createObjectNode();
        line.put("data", dataset.source()).put("images", d.images()).put("dimension", d.dimension());
        line.putObject("technique1").put("sigmaMax", s.sigmaMax()).put("firstImage", f.first())
                .put("secondImage", f.second());
        line.putObject("technique2").put("coverageTarget", d.coverageTarget()).put("ratioForTarget", d.ratioForTarget())
                .put("levels", s.levels()).put("ratio", d.ratio()).put("coverage", d.coverage());
        line.putObject("technique4").put("stepsPerLevel", d.stepsPerLevel()).put("epsilonNcsnv2", d.epsilonNcsnv2())
                .put("stepSize", d.stepSize()).put("varianceRatio", d.varianceRatio());
        line.putObject("schedule").put("sigmaMax", s.sigmaMax()).put("sigmaMin", s.sigmaMin()).put("levels", s.levels());
        System.out.println(line);
        return 0;
    }
}
