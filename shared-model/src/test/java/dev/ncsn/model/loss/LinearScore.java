package dev.ncsn.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;

/**
 * Test helper: s(x, σ_i) = a_i·x, computed with array operations (so differentiable in x), optionally also as a
 * {@link JvpScoreModel} (J·v = a_i·v). For data N(0, τ²I) the exact score of q_σ is a_i = −1/(τ² + σ_i²).
 */
class LinearScore implements JvpScoreModel {

    final NoiseSchedule schedule;
    final Shape sampleShape;
    final double[] slope;

    LinearScore(NoiseSchedule schedule, Shape sampleShape, double[] slope) {
        this.schedule = schedule;
        this.sampleShape = sampleShape;
        this.slope = slope;
    }

    /** The exact score of N(0, τ²I) blurred at each level, scaled by {@code factor}. */
    static LinearScore gaussian(NoiseSchedule schedule, Shape sampleShape, double tau, double factor) {
        double[] a = new double[schedule.levels()];
        for (int i = 0; i < a.length; i++) {
            double s = schedule.sigma(i);
            a[i] = -factor / (tau * tau + s * s);
        }
        return new LinearScore(schedule, sampleShape, a);
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    private NDArray slopes(NDManager manager, NDArray levels, Shape xShape) {
        long[] l = levels.toLongArray();
        double[] a = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            a[i] = slope[(int) l[i]];
        }
        return Batches.perSample(manager, a, xShape);
    }

    @Override
    public NDArray score(NDArray x, NDArray levels) {
        return x.mul(slopes(x.getManager(), levels, x.getShape()));
    }

    @Override
    public NDList scoreAndJvp(NDArray x, NDArray levels, NDArray v) {
        NDArray a = slopes(x.getManager(), levels, x.getShape());
        return new NDList(x.mul(a), v.mul(a));
    }

    /** The same score as a plain ScoreModel (so sliced score matching has to use finite differences). */
    dev.ncsn.model.ScoreModel plain() {
        LinearScore self = this;
        return new dev.ncsn.model.ScoreModel() {
            @Override
            public Shape sampleShape() {
                return self.sampleShape;
            }

            @Override
            public NoiseSchedule schedule() {
                return self.schedule;
            }

            @Override
            public NDArray score(NDArray x, NDArray levels) {
                return self.score(x, levels);
            }
        };
    }
}
