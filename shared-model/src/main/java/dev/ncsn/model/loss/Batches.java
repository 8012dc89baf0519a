package dev.ncsn.model.loss;

import ai.djl.ndarray.NDArray;
import dev.ncsn.model.OwnedArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.ScoreModel;

/** Checks and per-sample helper arrays shared by the losses. */
final class Batches {

    private Batches() {
    }

    static int batchSize(NDArray x) {
        if (x.getShape().dimension() < 2) {
            throw new IllegalArgumentException("expected a batch [N, sampleShape…], got shape " + x.getShape());
        }
        return Math.toIntExact(x.getShape().get(0));
    }

    static long sampleSize(NDArray x) {
        return x.getShape().size() / x.getShape().get(0);
    }

    static void check(ScoreModel model, NDArray x, Perturbation p) {
        if (x.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("data must be float32, got " + x.getDataType());
        }
        int n = batchSize(x);
        Shape sampleShape = x.getShape().slice(1);
        if (!sampleShape.equals(model.sampleShape())) {
            throw new IllegalArgumentException("samples of shape " + sampleShape + " for a model of sample shape "
                    + model.sampleShape());
        }
        if (p.batchSize() != n || p.sampleSize() != sampleSize(x)) {
            throw new IllegalArgumentException(p + " does not fit a batch of shape " + x.getShape());
        }
        int levels = model.schedule().levels();
        for (int level : p.levels()) {
            if (level >= levels) {
                throw new IllegalArgumentException("level index " + level + " outside the model's 0.." + (levels - 1));
            }
        }
    }

    /** σ of each sample's level. */
    static double[] sigmas(NoiseSchedule schedule, int[] levels) {
        double[] all = schedule.sigmas();
        double[] s = new double[levels.length];
        for (int i = 0; i < levels.length; i++) {
            s[i] = all[levels[i]];
        }
        return s;
    }

    /** A float32 array [N, 1, 1, …] that broadcasts one value per sample against x. */
    static NDArray perSample(NDManager manager, double[] values, Shape xShape) {
        long[] dims = new long[xShape.dimension()];
        java.util.Arrays.fill(dims, 1L);
        dims[0] = values.length;
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return OwnedArrays.copyOf(manager, f, new Shape(dims));
    }

    static NDArray levels(NDManager manager, int[] levels) {
        long[] l = new long[levels.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = levels[i];
        }
        return OwnedArrays.copyOf(manager, l);
    }

    /** Sum over all axes but the batch axis: [N, …] → [N]. */
    static NDArray sumPerSample(NDArray a) {
        return a.reshape(a.getShape().get(0), -1).sum(new int[] {1});
    }
}
