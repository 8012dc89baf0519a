package dev.ncsn.sampler.core;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.sampler.config.BatchSettings;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * N concurrent one-image jobs against one alone, through the real Kafka path (requests in, started, frames and done
 * events out, read back by a consumer) on one worker with the compact network and the per-pass budget as the
 * service sets it (measured at start-up unless {@code -Dncsn.bench.budget=N}); and the share of the wall time spent
 * outside the network's forward passes, split into its parts:
 * <ul>
 *   <li>in: from the first request sent to the first job's {@code started} (Kafka, poll, snapshot look-up, admission);</li>
 *   <li>worker: on the sampling thread between the first {@code started} and the last {@code done}, outside the
 *       passes (the samplers' updates, copying frames, waiting for the event thread, the loop itself);</li>
 *   <li>out: from the last {@code done} made to it being read back.</li>
 * </ul>
 * Not a unit test: runs only with -Dncsn.bench=true, e.g. {@code ./mvnw -B -o -pl sampler-service -am test
 * -Dtest=ConcurrencyBenchmark -Dncsn.bench=true -Dncsn.bench.jobs=16 -Dncsn.bench.steps=10
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "ncsn.bench", matches = "true")
@ExtendWith(InfrastructureExtension.class)
class ConcurrencyBenchmark {

    private static final Duration TIMEOUT = Duration.ofMinutes(30);

    @Test
    void concurrentOneImageJobsAgainstOneAlone(LocalInfrastructure infra) throws Exception {
        int jobs = Integer.getInteger("ncsn.bench.jobs", 16);
        int steps = Integer.getInteger("ncsn.bench.steps", 10);
        // The contract's default (stepsPerLevel / 10, at least 1) unless set: what a new user gets.
        Integer frameEvery = Integer.getInteger("ncsn.bench.frame-every");
        int rounds = Integer.getInteger("ncsn.bench.rounds", 1);
        String sampler = System.getProperty("ncsn.bench.sampler", "annealed-langevin");
        String budget = System.getProperty("ncsn.bench.budget", "auto");
        BatchSettings batch = (BatchSettings.parseBudget(budget) == BatchSettings.AUTO ? BatchSettings.auto()
                : BatchSettings.fixed(BatchSettings.parseBudget(budget)))
                .withLanes(BatchSettings.parseLanes(System.getProperty("ncsn.bench.lanes", "auto")));
        try (SamplerFixture fixture = new SamplerFixture(infra, 12);
             KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers(),
                     ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
            Architecture compact = Architecture.preset(Architecture.COMPACT);
            TestModels.putVersion(fixture.store, fixture.model, "v1", compact, compact, 1);
            TestModels.setLive(fixture.store, fixture.model, "v1");
            SamplerFixture.TestNode worker = fixture.node("bench", s -> s.withBatch(batch));
            SamplerFixture.awaitReady(worker.node(), TIMEOUT);
            ServedModel served = worker.node().models().slot(fixture.model).orElseThrow().peek().orElseThrow();
            System.out.printf("BENCH budget: %d images per pass (%s), %d sampling lanes%s%n", served.passBudget(),
                    batch, worker.node().lanes().count(),
                    worker.node().loader().budgets().results().stream()
                            .map(r -> "; measured " + r.curve() + ", stopped at " + r.why()).findFirst().orElse(""));
            SamplingParameters one = new SamplingParameters(1, 1L, sampler, null, steps, null, null, frameEvery, null,
                    null);
            Runs runs = new Runs(fixture, producer, worker.node(), served);
            // JIT, oneDNN kernels of every batch size 1..N, the producer's and consumers' connections
            runs.run("warm1", 1, one);
            runs.run("warmN", jobs, new SamplingParameters(1, 1L, sampler, null, 1, null, null, 1, null, null));
            for (int round = 0; round < rounds; round++) {
                Run alone = runs.run("alone" + round, 1, one);
                Run together = runs.run("together" + round, jobs, one);
                System.out.println("BENCH " + alone.describe("one job alone"));
                System.out.println("BENCH " + together.describe(jobs + " jobs at once"));
                // By CPU time: what batching gains each core whatever else ran meanwhile (with one PyTorch thread the
                // passes run on the lanes' threads), and that times the lanes busy at once (what the gain would be
                // had the lanes the cores to themselves); the wall-clock gain is what a user sees.
                // A pass of one image is not split: the lone job runs on one lane.
                int lanes = Math.min(worker.node().lanes().count(), jobs);
                double perCore = jobs * alone.samplingCpu / together.samplingCpu;
                System.out.printf("BENCH %s, %d steps per level, frame every %s, compact network, %d core(s), %d "
                                + "lane(s): gain %.2fx at %d concurrent one-image jobs (%d × %.2f s alone / %.2f s "
                                + "together; by the sampling threads' CPU time %.2fx a core, %.2fx on %d lane(s) with "
                                + "the cores to themselves); outside the network %.1f %% alone, %.1f %% together%n",
                        sampler, steps, frameEvery == null ? "default" : frameEvery,
                        Runtime.getRuntime().availableProcessors(), worker.node().lanes().count(),
                        jobs * alone.wall / together.wall, jobs, jobs, alone.wall, together.wall, perCore,
                        perCore * lanes, lanes,
                        100 * alone.outside() / alone.wall, 100 * together.outside() / together.wall);
            }
        }
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    private static Map<Long, Long> threadCpu() {
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : THREADS.getAllThreadIds()) {
            cpu.put(id, THREADS.getThreadCpuTime(id));
        }
        return cpu;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long threadCpuSum() {
        return threadCpu().values().stream().mapToLong(nanos -> Math.max(0, nanos)).sum();
    }

    private static long gcMillis() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).sum();
    }

    private static long jitMillis() {
        return java.lang.management.ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    }

    /** CPU time since {@code before}, summed by thread name without its numbers, largest first. */
    private static String cpuByThread(Map<Long, Long> before) {
        Map<String, Double> byName = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long now = THREADS.getThreadCpuTime(info.getThreadId());
            double s = (now - before.getOrDefault(info.getThreadId(), 0L)) / 1e9;
            byName.merge(info.getThreadName().replaceAll("\\d+", "#"), s, Double::sum);
        }
        StringBuilder b = new StringBuilder();
        byName.entrySet().stream().filter(e -> e.getValue() >= 0.05)
                .sorted((x, y) -> Double.compare(y.getValue(), x.getValue()))
                .forEach(e -> b.append(String.format("%s %.2f; ", e.getKey(), e.getValue())));
        return b.toString();
    }

    /** One run's figures, in seconds. */
    record Run(int jobs, double wall, double network, double in, double worker, double out, long passes,
               double images, double events, long eventCount, double awaited, double samplingCpu) {
        double outside() {
            return wall - network;
        }

        String describe(String what) {
            return String.format("%s: %.2f s, network %.2f s in %d passes (%.1f images a pass), outside %.3f s "
                            + "(%.1f %%): in %.3f s, worker %.3f s (of which waiting for events %.3f s), out %.3f s; "
                            + "%d events made and sent in %.3f s beside the sampling threads; the sampling threads' CPU "
                            + "time %.2f s", what, wall, network, passes, images / passes, outside(),
                    100 * outside() / wall, in, worker, awaited, out, eventCount, events, samplingCpu);
        }
    }

    /** Sends N jobs at once and follows their events on the frames topic. */
    private record Runs(SamplerFixture fixture, KafkaProducer<String, String> producer, SamplerNode node,
                        ServedModel served) {

        /** CPU time of the sampling thread and the lanes' helpers: where the passes run, with one PyTorch thread. */
        long samplingCpuNanos() {
            return node.worker().samplingCpuNanos() + node.lanes().helperCpuNanos();
        }

        Run run(String prefix, int n, SamplingParameters p) throws Exception {
            long net0 = served.sampler().networkNanos();
            double passes0 = node.metrics().forwardPasses();
            double images0 = node.metrics().sampleSteps();
            double events0 = node.metrics().eventSeconds();
            long eventCount0 = node.metrics().eventsSent();
            double awaited0 = node.metrics().eventsAwaitedSeconds();
            long cpu0 = samplingCpuNanos();
            Map<Long, Long> threadCpu0 = threadCpu();
            long process0 = processCpu();
            long threadSum0 = threadCpuSum();
            long gc0 = gcMillis();
            long jit0 = jitMillis();
            int seen = fixture.frames.records().size();
            Instant sent = Instant.now();
            long t0 = System.nanoTime();
            // At once, as a gateway sends them: no waiting for one acknowledgement before the next send.
            List<Future<?>> sends = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String id = prefix + "-" + i;
                sends.add(producer.send(new ProducerRecord<>(fixture.topics.generationRequests(), id,
                        Contracts.encode(new GenerationRequest(id, null, p, Instant.now())))));
            }
            for (Future<?> f : sends) {
                f.get();
            }
            Map<String, Instant> started = new HashMap<>();
            Map<String, Instant> done = new HashMap<>();
            long lastSeen = 0;
            long deadline = t0 + TIMEOUT.toNanos();
            while (done.size() < n) {
                List<ConsumerRecord<String, String>> records = fixture.frames.records();
                for (ConsumerRecord<String, String> r : records.subList(seen, records.size())) {
                    // Only the events that carry the times: frames are not decoded (the reader's own cost).
                    if (r.key() == null || !r.key().startsWith(prefix + "-")) {
                        continue;
                    }
                    if (r.value().startsWith("{\"type\":\"started\"")) {
                        started.put(r.key(), Contracts.decode(r.value(), JobEvent.class).at());
                    } else if (r.value().startsWith("{\"type\":\"frame\"")) {
                        continue;
                    } else {
                        JobEvent e = Contracts.decode(r.value(), JobEvent.class);
                        assertInstanceOf(JobEvent.Done.class, e, r.value());
                        done.put(r.key(), e.at());
                        lastSeen = System.nanoTime();
                    }
                }
                seen = records.size();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(prefix + ": " + done.size() + " of " + n + " jobs done within " + TIMEOUT);
                }
                Thread.sleep(2);
            }
            assertEquals(n, started.size(), "every job started");
            System.out.println("BENCH " + prefix + ": CPU seconds by thread: " + cpuByThread(threadCpu0)
                    + String.format("process %.2f, threads %.2f, GC %.2f s, JIT %.2f s", (processCpu() - process0) / 1e9,
                    (threadCpuSum() - threadSum0) / 1e9, (gcMillis() - gc0) / 1e3, (jitMillis() - jit0) / 1e3));
            double wall = (lastSeen - t0) / 1e9;
            double network = (served.sampler().networkNanos() - net0) / 1e9;
            Instant firstStarted = started.values().stream().min(Instant::compareTo).orElseThrow();
            Instant lastDone = done.values().stream().max(Instant::compareTo).orElseThrow();
            if (n > 1) {
                // When each job ran, from the first start: shows jobs that started late or ended unevenly.
                StringBuilder spans = new StringBuilder();
                started.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> spans.append(
                        String.format("%.2f-%.2f ", Duration.between(firstStarted, e.getValue()).toNanos() / 1e9,
                                Duration.between(firstStarted, done.get(e.getKey())).toNanos() / 1e9)));
                System.out.println("BENCH " + prefix + ": jobs ran (s) " + spans);
            }
            double in = Duration.between(sent, firstStarted).toNanos() / 1e9;
            double sampling = Duration.between(firstStarted, lastDone).toNanos() / 1e9;
            double out = wall - in - sampling;
            return new Run(n, wall, network, in, sampling - network, out,
                    Math.round(node.metrics().forwardPasses() - passes0), node.metrics().sampleSteps() - images0,
                    node.metrics().eventSeconds() - events0, node.metrics().eventsSent() - eventCount0,
                    node.metrics().eventsAwaitedSeconds() - awaited0,
                    (samplingCpuNanos() - cpu0) / 1e9);
        }
    }
}
