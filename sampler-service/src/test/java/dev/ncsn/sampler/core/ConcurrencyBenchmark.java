package dev.ncsn.sampler.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.net.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * N concurrent one-image jobs against one alone, through the real Kafka path (requests, frames, done events) on one
 * worker with the compact network, and the share of the wall time spent outside the network (Kafka, PNG encoding,
 * frames, the samplers' updates). Not a unit test: runs only with -Dncsn.bench=true, e.g.
 * {@code ./mvnw -B -o -pl sampler-service -am test -Dtest=ConcurrencyBenchmark -Dncsn.bench=true
 * -Dncsn.bench.jobs=16 -Dncsn.bench.steps=3 -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "ncsn.bench", matches = "true")
@ExtendWith(InfrastructureExtension.class)
class ConcurrencyBenchmark {

    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    @Test
    void concurrentOneImageJobsAgainstOneAlone(LocalInfrastructure infra) {
        int jobs = Integer.getInteger("ncsn.bench.jobs", 16);
        int steps = Integer.getInteger("ncsn.bench.steps", 3);
        String sampler = System.getProperty("ncsn.bench.sampler", "annealed-langevin");
        try (SamplerFixture fixture = new SamplerFixture(infra, 12)) {
            Architecture compact = Architecture.preset(Architecture.COMPACT);
            TestModels.putVersion(fixture.store, fixture.model, "v1", compact, compact, 1);
            TestModels.setLive(fixture.store, fixture.model, "v1");
            SamplerFixture.TestNode worker = fixture.node("bench");
            SamplerFixture.awaitReady(worker.node(), TIMEOUT);
            SamplingParameters one = new SamplingParameters(1, 1L, sampler, null, steps, null, null, steps, null, null);

            run(fixture, "warm", 1, one); // JIT and oneDNN warm-up
            var runner = worker.node().models().slot(fixture.model).orElseThrow().peek().orElseThrow().sampler();
            long net0 = runner.networkNanos();
            double alone = run(fixture, "alone", 1, one);
            double aloneNet = (runner.networkNanos() - net0) / 1e9;
            long net1 = runner.networkNanos();
            double together = run(fixture, "together", jobs, one);
            double togetherNet = (runner.networkNanos() - net1) / 1e9;
            System.out.printf("BENCH %s, %d steps per level, compact network, %d core(s): one job alone %.2f s "
                            + "(%.1f %% outside the network); %d jobs at once %.2f s (%.1f %% outside the network); "
                            + "gain %.2fx (%d × alone / together)%n",
                    sampler, steps, Runtime.getRuntime().availableProcessors(), alone,
                    100 * (1 - aloneNet / alone), jobs, together, 100 * (1 - togetherNet / together),
                    jobs * alone / together, jobs);
        }
    }

    /** Sends n one-image jobs at once and returns the seconds until the last one is done. */
    private static double run(SamplerFixture fixture, String prefix, int n, SamplingParameters p) {
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            fixture.generate(prefix + "-" + i, p);
        }
        for (int i = 0; i < n; i++) {
            var events = fixture.awaitTerminal(prefix + "-" + i, TIMEOUT);
            assertInstanceOf(JobEvent.Done.class, events.get(events.size() - 1));
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
