package dev.ncsn.sampler.core;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.train.NoGrad;
import ai.djl.pytorch.jni.JniUtils;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import java.util.SplittableRandom;

/**
 * A forward pass of a loaded network as the sampling thread makes one: the batch copied in, the scores at one
 * level per image (the levels cycling through the schedule) and copied out, no autograd graph, every array closed
 * before it returns. The images are uniform noise, as a job starts with.
 *
 * <p>Its cost is the calling thread's CPU time when {@link #onCallingThread} (PyTorch then computes the pass on
 * that thread): whatever else shares the cores, a pass costs that, while its wall time grows with every other
 * process on the machine, and longer passes the more (they are preempted more often), which would push a
 * calibration on a busy machine towards small batches. Otherwise (several PyTorch threads, a GPU) it is wall time.
 */
final class NetworkPassCost implements BatchCalibration.PassCost {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final ScoreModel network;
    private final NDManager manager;
    private final int sampleSize;
    private final boolean cpuTime;
    private final SplittableRandom random = new SplittableRandom(0);

    /** @param cpuTime cost as the calling thread's CPU time (see {@link #onCallingThread}), else wall time */
    NetworkPassCost(ScoreModel network, NDManager manager, boolean cpuTime) {
        this.network = network;
        this.manager = manager;
        this.sampleSize = Math.toIntExact(network.sampleShape().size());
        this.cpuTime = cpuTime;
    }

    /** Whether a pass on this device runs on the calling thread: the CPU with one PyTorch thread. */
    static boolean onCallingThread(Device device) {
        return Device.Type.CPU.equals(device.getDeviceType()) && JniUtils.getNumThreads() == 1
                && THREADS.isCurrentThreadCpuTimeSupported();
    }

    boolean cpuTime() {
        return cpuTime;
    }

    @Override
    public long nanos(int batch) {
        float[] x = new float[Math.multiplyExact(batch, sampleSize)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble();
        }
        long[] levels = new long[batch];
        int levelCount = network.schedule().levels();
        for (int i = 0; i < batch; i++) {
            levels[i] = i % levelCount;
        }
        long[] dims = new long[network.sampleShape().dimension() + 1];
        dims[0] = batch;
        System.arraycopy(network.sampleShape().getShape(), 0, dims, 1, dims.length - 1);
        try (NoGrad ignored = NoGrad.enter(); NDManager pass = manager.newSubManager()) {
            long start = now();
            network.score(pass.create(x, new Shape(dims)), pass.create(levels)).toFloatArray();
            return now() - start;
        }
    }

    private long now() {
        return cpuTime ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }
}
