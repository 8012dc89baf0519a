package dev.ncsn.model.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.train.NoGrad;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs {@link LangevinChain}s on a {@link ScoreModel}: annealed Langevin dynamics (the paper's Algorithm 1),
 * plain Langevin dynamics, inpainting and the final denoising step, depending on each chain's spec.
 *
 * <p>One {@link #step} advances every running chain by one Langevin step with a single batched score
 * evaluation; chains may be at different levels (the model takes a level per sample) and may join or leave
 * between steps, which is how a worker shares forward passes between jobs. Knows nothing of transport.
 */
public final class AnnealedLangevinSampler {

    private final ScoreModel model;
    private final int sampleSize;

    public AnnealedLangevinSampler(ScoreModel model) {
        this.model = model;
        this.sampleSize = Math.toIntExact(model.sampleShape().size());
    }

    public ScoreModel model() {
        return model;
    }

    /** A new chain for this sampler's model. */
    public LangevinChain chain(SamplingSpec spec, Inpainting inpainting, FrameListener listener) {
        return new LangevinChain(spec, model.schedule(), sampleSize, inpainting, listener);
    }

    /**
     * Advances every running chain by one step, sharing one score evaluation. Chains whose cancel was
     * requested stop first. A listener that throws fails its own chain only.
     *
     * @param manager parent of the step's temporary arrays, which are all closed before this returns
     * @return the number of chains still running
     */
    public int step(List<LangevinChain> chains, NDManager manager) {
        List<LangevinChain> running = new ArrayList<>(chains.size());
        int total = 0;
        for (LangevinChain chain : chains) {
            if (chain.checkCancelled()) {
                running.add(chain);
                total += chain.count();
            }
        }
        if (running.isEmpty()) {
            return 0;
        }
        float[] batch = new float[Math.multiplyExact(total, sampleSize)];
        long[] levels = new long[total];
        int row = 0;
        for (LangevinChain chain : running) {
            chain.copySamplesInto(batch, row * sampleSize);
            java.util.Arrays.fill(levels, row, row + chain.count(), chain.nextLevel());
            row += chain.count();
        }
        float[] scores;
        // No autograd graph: PyTorch's grad mode is per thread and on by default on threads other than DJL's first.
        try (NoGrad ignored = NoGrad.enter(); NDManager stepManager = manager.newSubManager()) {
            NDArray x = stepManager.create(batch, batchShape(total));
            NDArray level = stepManager.create(levels);
            scores = model.score(x, level).toFloatArray();
        }
        int stillRunning = 0;
        row = 0;
        for (LangevinChain chain : running) {
            try {
                chain.advance(scores, row * sampleSize);
            } catch (RuntimeException e) {
                chain.fail("frame listener failed: " + e);
            }
            row += chain.count();
            if (chain.isRunning()) {
                stillRunning++;
            }
        }
        return stillRunning;
    }

    /** Runs the chains to their end (or cancellation) and returns their final samples in order. */
    public List<float[]> run(List<LangevinChain> chains, NDManager manager) {
        while (step(chains, manager) > 0) {
            // each step shares one forward pass between all chains still running
        }
        List<float[]> results = new ArrayList<>(chains.size());
        for (LangevinChain chain : chains) {
            results.add(chain.samples());
        }
        return results;
    }

    /** Convenience: one job, run alone. */
    public float[] sample(SamplingSpec spec, Inpainting inpainting, FrameListener listener, NDManager manager) {
        LangevinChain chain = chain(spec, inpainting, listener);
        run(List.of(chain), manager);
        if (chain.state() == LangevinChain.State.FAILED) {
            throw new IllegalStateException(chain.failure());
        }
        return chain.samples();
    }

    private Shape batchShape(int n) {
        long[] dims = new long[model.sampleShape().dimension() + 1];
        dims[0] = n;
        System.arraycopy(model.sampleShape().getShape(), 0, dims, 1, dims.length - 1);
        return new Shape(dims);
    }
}
