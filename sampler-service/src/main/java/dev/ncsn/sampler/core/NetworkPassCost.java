package dev.ncsn.sampler.core;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.train.NoGrad;

import java.util.SplittableRandom;

/**
 * A forward pass of a loaded network as the sampling thread makes one: the batch copied in, the scores at one
 * level per image (the levels cycling through the schedule) and copied out, no autograd graph, every array closed
 * before it returns. The images are uniform noise, as a job starts with.
 */
final class NetworkPassCost implements BatchCalibration.PassCost {

    private final ScoreModel network;
    private final NDManager manager;
    private final int sampleSize;
    private final SplittableRandom random = new SplittableRandom(0);

    NetworkPassCost(ScoreModel network, NDManager manager) {
        this.network = network;
        this.manager = manager;
        this.sampleSize = Math.toIntExact(network.sampleShape().size());
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
            long start = System.nanoTime();
            network.score(pass.create(x, new Shape(dims)), pass.create(levels)).toFloatArray();
            return System.nanoTime() - start;
        }
    }
}
