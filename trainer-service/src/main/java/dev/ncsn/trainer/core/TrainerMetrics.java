package dev.ncsn.trainer.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The trainer's Prometheus metrics (names as exported):
 * <ul>
 *   <li>per running run, tagged {@code run} and {@code model}: {@code ncsn_trainer_step},
 *       {@code ncsn_trainer_loss} (smoothed training loss), {@code ncsn_trainer_steps_per_second},
 *       {@code ncsn_trainer_eta_seconds} (of the current segment);</li>
 *   <li>per model: {@code ncsn_trainer_steps_total}, {@code ncsn_trainer_versions_published_total},
 *       {@code ncsn_trainer_candidates_promoted_total}, {@code ncsn_trainer_candidates_rejected_total} and
 *       {@code ncsn_trainer_candidate_held_out_loss} (the last candidate's held-out DSM loss);</li>
 *   <li>{@code ncsn_trainer_runs_active}.</li>
 * </ul>
 */
public final class TrainerMetrics {

    private final MeterRegistry registry;
    private final Map<String, List<Meter>> runMeters = new ConcurrentHashMap<>();
    private final Map<String, double[]> lastHeldOut = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();

    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("ncsn.trainer.runs.active", active, AtomicInteger::get)
                .description("runs training or waiting for data").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    void runStarted(String run, String model, ProgressMeter progress) {
        runEnded(run);
        Tags tags = Tags.of("run", run, "model", model);
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("ncsn.trainer.step", progress, p -> p.snapshot().step()).tags(tags)
                .description("training step of the run").strongReference(true).register(registry));
        meters.add(Gauge.builder("ncsn.trainer.loss", progress, p -> p.snapshot().smoothedLoss()).tags(tags)
                .description("smoothed training loss (moving average, 0.98)").strongReference(true).register(registry));
        meters.add(Gauge.builder("ncsn.trainer.steps.per.second", progress, p -> p.snapshot().stepsPerSecond())
                .tags(tags).description("training steps per second over the last 30 s").strongReference(true)
                .register(registry));
        meters.add(Gauge.builder("ncsn.trainer.eta.seconds", progress, p -> p.snapshot().etaSeconds()).tags(tags)
                .description("estimated time left for the current segment").strongReference(true).register(registry));
        runMeters.put(run, meters);
        active.incrementAndGet();
    }

    void runEnded(String run) {
        List<Meter> meters = runMeters.remove(run);
        if (meters != null) {
            meters.forEach(registry::remove);
            active.decrementAndGet();
        }
    }

    void stepped(String model) {
        registry.counter("ncsn.trainer.steps", "model", model).increment();
    }

    void published(String model, boolean promoted, double heldOutLoss) {
        registry.counter("ncsn.trainer.versions.published", "model", model).increment();
        registry.counter(promoted ? "ncsn.trainer.candidates.promoted" : "ncsn.trainer.candidates.rejected",
                "model", model).increment();
        lastHeldOut.computeIfAbsent(model, m -> {
            double[] holder = {Double.NaN};
            Gauge.builder("ncsn.trainer.candidate.held.out.loss", holder, h -> h[0]).tag("model", m)
                    .description("held-out DSM loss of the model's last candidate").register(registry);
            return holder;
        })[0] = heldOutLoss;
    }

    public double count(String name, String model) {
        Counter c = registry.find(name).tag("model", model).counter();
        return c == null ? 0 : c.count();
    }
}
