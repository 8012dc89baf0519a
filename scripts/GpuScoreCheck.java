// Run by scripts/gpu-check.sh (Java's single-file launcher, on ncsn-cli's class path):
//   java -cp 'ncsn-cli/target/ncsn-cli.jar:ncsn-cli/target/lib/*' scripts/GpuScoreCheck.java CHECKPOINT_DIR [--cpu-only]
// Loads the checkpoint once on the GPU and once on the CPU, scores the same seeded batch at every noise level on
// both, and prints one JSON line: which libtorch DJL loaded, the largest difference of the scores relative to
// their scale, and forward passes per second on each device. Exit 0 when they agree up to rounding, 1 when not,
// 3 when DJL sees no GPU (--cpu-only compares the CPU with itself, to try the check without a GPU).
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.TrainableScoreModel;

import java.nio.file.Path;
import java.util.SplittableRandom;

public class GpuScoreCheck {

    /**
     * Convolutions on Ampere and newer GPUs run in TF32 by default (10-bit mantissa), cuDNN picks other kernels than
     * oneDNN, and summation orders differ: agreement "up to rounding" is a difference well below the scores' scale.
     */
    static final double TOLERANCE = 2e-2;
    static final int BATCH = 64;
    static final int PASSES = 20;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean cpuOnly = args.length > 1 && args[1].equals("--cpu-only");
        Engine engine = Engine.getEngine("PyTorch");
        int gpus = engine.getGpuCount();
        String libtorch = ai.djl.pytorch.jni.LibUtils.getLibtorchPath();
        if (gpus == 0 && !cpuOnly) {
            System.out.printf("{\"engine\":\"%s\",\"libtorch\":\"%s\",\"gpus\":0,\"ok\":false,\"reason\":\"DJL sees no CUDA device "
                    + "with this libtorch\"}%n", engine.getVersion(), libtorch);
            System.exit(3);
        }
        Device other = cpuOnly ? Device.cpu() : Device.gpu();
        LoadedCheckpoint loaded = Checkpoint.read(dir);
        var manifest = loaded.manifest();
        var arch = manifest.architecture();
        int size = arch.channels() * arch.imageSize() * arch.imageSize();
        float[] x = new float[BATCH * size];
        SplittableRandom random = new SplittableRandom(0);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        long[] levels = new long[BATCH];
        for (int i = 0; i < BATCH; i++) {
            levels[i] = i % manifest.schedule().levels();
        }
        float[] cpu;
        float[] gpu;
        double cpuRate;
        double gpuRate;
        try (NDManager cm = NDManager.newBaseManager(Device.cpu());
             TrainableScoreModel cnet = loaded.newNetwork(cm)) { // the manifest's family (NCSN or NCSNv2)
            cpu = score(cnet, cm, x, levels, arch);
            cpuRate = rate(cnet, cm, x, levels, arch);
        }
        try (NDManager gm = NDManager.newBaseManager(other);
             TrainableScoreModel gnet = loaded.newNetwork(gm)) {
            gpu = score(gnet, gm, x, levels, arch);
            gpuRate = rate(gnet, gm, x, levels, arch);
        }
        double scale = 0;
        double maxDiff = 0;
        double sumDiff = 0;
        for (int i = 0; i < cpu.length; i++) {
            scale = Math.max(scale, Math.abs(cpu[i]));
            double d = Math.abs(cpu[i] - gpu[i]);
            maxDiff = Math.max(maxDiff, d);
            sumDiff += d;
        }
        boolean finite = Double.isFinite(maxDiff);
        boolean ok = finite && maxDiff <= TOLERANCE * scale;
        System.out.printf(java.util.Locale.ROOT, "{\"engine\":\"%s\",\"libtorch\":\"%s\",\"gpus\":%d,\"device\":\"%s\","
                        + "\"preset\":\"%s\",\"batch\":%d,\"scoreScale\":%.4g,\"maxAbsDiff\":%.4g,\"meanAbsDiff\":%.4g,"
                        + "\"maxDiffOverScale\":%.3g,\"tolerance\":%.3g,\"cpuPassesPerSecond\":%.3f,"
                        + "\"devicePassesPerSecond\":%.3f,\"speedup\":%.2f,\"ok\":%b}%n",
                engine.getVersion(), libtorch, gpus, other, arch.preset(), BATCH, scale, maxDiff, sumDiff / cpu.length,
                maxDiff / scale, TOLERANCE, cpuRate, gpuRate, gpuRate / cpuRate, ok);
        System.exit(ok ? 0 : 1);
    }

    static float[] score(ScoreModel net, NDManager m, float[] x, long[] levels,
                         dev.ncsn.model.net.Architecture arch) {
        try (NDManager pass = m.newSubManager()) {
            NDArray xs = pass.create(x, new Shape(levels.length, arch.channels(), arch.imageSize(), arch.imageSize()));
            NDArray ls = pass.create(levels);
            return net.score(xs, ls).toFloatArray();
        }
    }

    static double rate(ScoreModel net, NDManager m, float[] x, long[] levels, dev.ncsn.model.net.Architecture arch) {
        score(net, m, x, levels, arch); // warm-up (cuDNN picks its kernels on the first pass)
        long t0 = System.nanoTime();
        for (int i = 0; i < PASSES; i++) {
            score(net, m, x, levels, arch);
        }
        return PASSES / ((System.nanoTime() - t0) / 1e9);
    }
}
