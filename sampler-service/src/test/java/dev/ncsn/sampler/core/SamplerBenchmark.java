package dev.ncsn.sampler.core;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.sampling.SamplingRunner;
import dev.ncsn.model.sampling.FrameListener;
import dev.ncsn.model.sampling.SamplingJob;
import dev.ncsn.model.sampling.SamplingSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.ArrayList;
import java.util.List;

/**
 * Langevin steps per second of the worker's inner loop, for 4 jobs of 4 images run one after the other versus
 * together (one shared forward pass per step). Not a unit test: runs only with -Dncsn.bench=true, e.g.
 * {@code ./mvnw -pl sampler-service test -Dtest=SamplerBenchmark -Dncsn.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "ncsn.bench", matches = "true")
class SamplerBenchmark {

    @Test
    void stepsPerSecond() {
        int jobs = 4;
        int count = 4;
        int steps = Integer.getInteger("ncsn.bench.steps", 20);
        for (Architecture arch : List.of(TestModels.TINY, new Architecture("custom", 1, 28, 4, 10),
                Architecture.preset(Architecture.COMPACT))) {
            try (NDManager manager = NDManager.newBaseManager();
                 NcsnScoreNetwork net = NcsnScoreNetwork.create(arch, TestModels.SCHEDULE, manager, 1)) {
                SamplingRunner sampler = new SamplingRunner(net);
                SamplingSpec spec = SamplingSpec.images(count, 1).withStepsPerLevel(steps);
                // warm-up
                run(sampler, List.of(sampler.job(spec, null, FrameListener.NONE)), manager, 3);
                long t0 = System.nanoTime();
                for (int j = 0; j < jobs; j++) {
                    run(sampler, List.of(sampler.job(spec, null, FrameListener.NONE)), manager, steps);
                }
                double alone = (System.nanoTime() - t0) / 1e9;
                List<SamplingJob> together = new ArrayList<>();
                for (int j = 0; j < jobs; j++) {
                    together.add(sampler.job(spec, null, FrameListener.NONE));
                }
                long t1 = System.nanoTime();
                run(sampler, together, manager, steps);
                double shared = (System.nanoTime() - t1) / 1e9;
                int total = jobs * steps;
                System.out.printf("BENCH %s %dx%d ngf %d: %d jobs × %d images, %d steps each: one after the other "
                                + "%.1f job-steps/s (%.1f ms/pass of %d images); together %.1f job-steps/s "
                                + "(%.1f ms/pass of %d images), %.2fx%n",
                        arch.preset(), arch.imageSize(), arch.imageSize(), arch.ngf(), jobs, count, steps,
                        total / alone, alone * 1000 / total, count, total / shared, shared * 1000 / steps,
                        jobs * count, alone / shared);
            }
        }
    }

    private static void run(SamplingRunner sampler, List<SamplingJob> chains, NDManager manager, int steps) {
        for (int i = 0; i < steps; i++) {
            sampler.step(chains, manager);
        }
    }
}
