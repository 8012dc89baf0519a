package dev.ncsn.model.net;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.util.Arrays;

/**
 * Timings of the score network (not a unit test; runs only with -Dncsn.bench=true), e.g.
 * {@code ./mvnw -pl shared-model test -Dtest=NetworkBenchmark -Dncsn.bench=true [-Dncsn.bench.presets=mnist,compact]}.
 */
@EnabledIfSystemProperty(named = "ncsn.bench", matches = "true")
class NetworkBenchmark {

    @Test
    void timings() {
        String presets = System.getProperty("ncsn.bench.presets", "mnist,compact");
        int reps = Integer.getInteger("ncsn.bench.reps", 3);
        for (String name : presets.split(",")) {
            Architecture arch = name.startsWith("ngf")
                    ? new Architecture("custom", 1, 28, Integer.parseInt(name.substring(3)), 10)
                    : Architecture.preset(name);
            for (String spec : System.getProperty("ncsn.bench.runs", "fwd64,train128,train64").split(",")) {
                boolean train = spec.startsWith("train");
                int batch = Integer.parseInt(spec.replaceAll("\\D", ""));
                double[] cpu = new double[reps];
                double[] t = run(arch, batch, train, reps, cpu);
                System.out.printf("BENCH %-8s ngf=%3d %-7s batch %3d: wall median %.3f s %s; process CPU median %.3f s"
                                + " %s (%.1f GFLOP/s of wall)%n", name,
                        arch.ngf(), train ? "fwd+bwd" : "fwd", batch, median(t), round(t), median(cpu), round(cpu),
                        arch.flopsPerImage() * batch * (train ? 3.0 : 1.0) / median(t) / 1e9);
            }
        }
    }

    private static String round(double[] v) {
        StringBuilder b = new StringBuilder("[");
        for (double d : v) {
            b.append(b.length() > 1 ? ", " : "").append(String.format("%.2f", d));
        }
        return b.append(']').toString();
    }

    /** Minor page faults of this process so far, from /proc. */
    static long minorFaults() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[7]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** User + system CPU seconds of this whole process (all native threads), from /proc. */
    static double processCpuSeconds() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static double[] run(Architecture arch, int batch, boolean train, int reps, double[] cpu) {
        double[] times = new double[reps];
        try (NDManager m = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(arch, m, 1)) {
            Shape shape = new Shape(batch, arch.channels(), arch.imageSize(), arch.imageSize());
            for (int r = -1; r < reps; r++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray x = step.randomUniform(0, 1, shape);
                    long[] lv = new long[batch];
                    for (int i = 0; i < batch; i++) {
                        lv[i] = i % arch.levels();
                    }
                    NDArray levels = step.create(lv);
                    long t0 = System.nanoTime();
                    double c0 = processCpuSeconds();
                    long f0 = minorFaults();
                    if (train) {
                        try (GradientCollector gc = m.getEngine().newGradientCollector()) {
                            NDArray target = step.randomNormal(shape);
                            NDArray out = net.score(x, levels);
                            gc.backward(out.sub(target).square().mean());
                        }
                        for (NDArray p : net.parameters().values()) {
                            p.getGradient().close();
                        }
                    } else {
                        net.score(x, levels).toFloatArray();
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (r >= 0) {
                        times[r] = s;
                        cpu[r] = processCpuSeconds() - c0;
                        if (Boolean.getBoolean("ncsn.bench.faults")) {
                            System.out.printf("BENCH   rep %d: %.3f s wall, %d minor page faults%n", r, s,
                                    minorFaults() - f0);
                        }
                    }
                }
            }
        }
        return times;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
