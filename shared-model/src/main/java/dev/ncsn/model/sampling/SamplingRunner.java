package dev.ncsn.model.sampling;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.train.NoGrad;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs {@link SamplingJob}s on a {@link ScoreModel}, whatever their samplers: the one place forward passes are
 * shared.
 *
 * <p>One {@link #step} makes the next evaluation of every running job with a single batched score evaluation,
 * then lets each job's sampler update it. Jobs may be on different samplers and at different levels (the model
 * takes a level per sample, or a σ per sample when it accepts any σ), and may join or leave between steps, which
 * is how a worker shares forward passes between jobs. Knows nothing of transport.
 */
public final class SamplingRunner {

    private final ScoreModel model;
    private final PassLanes lanes;
    private final int sampleSize;
    /** Time spent inside the network (the score evaluation and its copy out), for the share outside it. */
    private final java.util.concurrent.atomic.AtomicLong networkNanos = new java.util.concurrent.atomic.AtomicLong();

    /** Every pass on the calling thread. */
    public SamplingRunner(ScoreModel model) {
        this(model, PassLanes.single());
    }

    /** Each pass split over the lanes (owned by the caller, who closes them). */
    public SamplingRunner(ScoreModel model, PassLanes lanes) {
        this.model = model;
        this.lanes = lanes;
        this.sampleSize = Math.toIntExact(model.sampleShape().size());
    }

    public ScoreModel model() {
        return model;
    }

    /** A new job for this runner's model; IllegalArgumentException when the spec does not suit the model. */
    public SamplingJob job(SamplingSpec spec, Inpainting inpainting, FrameListener listener) {
        return new SamplingJob(spec, model.schedule(), model.acceptsAnySigma(), sampleSize, inpainting, listener);
    }

    /** Nanoseconds spent in the network's forward passes by {@link #step} so far. */
    public long networkNanos() {
        return networkNanos.get();
    }

    /** What the spec costs on this model, in network evaluations per sample. */
    public int networkEvaluations(SamplingSpec spec) {
        return spec.plan(SigmaGrid.of(model.schedule(), spec.levels(), model.acceptsAnySigma())).size();
    }

    /**
     * Makes one evaluation for every running job, sharing one score evaluation. Jobs whose cancel was requested
     * stop first. A sampler or listener that throws fails its own job only.
     *
     * @param manager parent of the step's temporary arrays, which are all closed before this returns
     * @return the number of jobs still running
     */
    public int step(List<SamplingJob> jobs, NDManager manager) {
        List<SamplingJob> running = new ArrayList<>(jobs.size());
        int total = 0;
        boolean bySigma = false;
        for (SamplingJob job : jobs) {
            if (job.checkCancelled()) {
                running.add(job);
                total += job.count();
                bySigma |= !job.nextAtTrainedLevel();
            }
        }
        if (running.isEmpty()) {
            return 0;
        }
        // Level indices while every σ is a trained level (always, for a level-indexed network); σ's otherwise.
        bySigma &= model.acceptsAnySigma();
        float[] batch = new float[Math.multiplyExact(total, sampleSize)];
        long[] levels = bySigma ? null : new long[total];
        float[] sigmas = bySigma ? new float[total] : null;
        int row = 0;
        for (SamplingJob job : running) {
            job.copySamplesInto(batch, row * sampleSize);
            if (bySigma) {
                Arrays.fill(sigmas, row, row + job.count(), (float) job.nextEvaluation().sigma());
            } else {
                Arrays.fill(levels, row, row + job.count(), job.nextNetworkLevel());
            }
            row += job.count();
        }
        long start = System.nanoTime();
        float[] scores = scores(batch, levels, sigmas, total, manager);
        networkNanos.addAndGet(System.nanoTime() - start);
        int stillRunning = 0;
        row = 0;
        for (SamplingJob job : running) {
            try {
                job.advance(scores, row * sampleSize);
            } catch (RuntimeException e) {
                job.fail("sampler " + job.sampler().name() + " or its frame listener failed: " + e);
            }
            row += job.count();
            if (job.isRunning()) {
                stillRunning++;
            }
        }
        return stillRunning;
    }

    /** Runs the jobs to their end (or cancellation) and returns their final samples in order. */
    public List<float[]> run(List<SamplingJob> jobs, NDManager manager) {
        while (step(jobs, manager) > 0) {
            // each step shares one forward pass between all jobs still running
        }
        List<float[]> results = new ArrayList<>(jobs.size());
        for (SamplingJob job : jobs) {
            results.add(job.samples());
        }
        return results;
    }

    /** Convenience: one job, run alone. */
    public float[] sample(SamplingSpec spec, Inpainting inpainting, FrameListener listener, NDManager manager) {
        SamplingJob job = job(spec, inpainting, listener);
        run(List.of(job), manager);
        if (job.state() == SamplingJob.State.FAILED) {
            throw new IllegalStateException(job.failure());
        }
        return job.samples();
    }

    /** The scores of all rows: one pass, or one part of it per lane (a sample's score does not depend on its batch). */
    private float[] scores(float[] batch, long[] levels, float[] sigmas, int total, NDManager manager) {
        int parts = lanes.parts(total);
        if (parts == 1) {
            return scores(batch, levels, sigmas, 0, total, manager);
        }
        float[] scores = new float[batch.length];
        lanes.run(parts, part -> {
            int from = PassLanes.firstRow(total, parts, part);
            int to = PassLanes.firstRow(total, parts, part + 1);
            float[] s = scores(batch, levels, sigmas, from, to, manager);
            System.arraycopy(s, 0, scores, from * sampleSize, s.length);
        });
        return scores;
    }

    /** Scores of rows [from, to), with every array made for them closed before it returns. */
    private float[] scores(float[] batch, long[] levels, float[] sigmas, int from, int to, NDManager manager) {
        int rows = to - from;
        boolean whole = rows * sampleSize == batch.length;
        // No autograd graph: PyTorch's grad mode is per thread and on by default on threads other than DJL's first.
        try (NoGrad ignored = NoGrad.enter(); NDManager pass = manager.newSubManager()) {
            NDArray x = pass.create(whole ? batch : Arrays.copyOfRange(batch, from * sampleSize, to * sampleSize),
                    batchShape(rows));
            NDArray scores = sigmas != null
                    ? model.scoreAtSigmas(x, pass.create(whole ? sigmas : Arrays.copyOfRange(sigmas, from, to)))
                    : model.score(x, pass.create(whole ? levels : Arrays.copyOfRange(levels, from, to)));
            return scores.toFloatArray();
        }
    }

    private Shape batchShape(int n) {
        long[] dims = new long[model.sampleShape().dimension() + 1];
        dims[0] = n;
        System.arraycopy(model.sampleShape().getShape(), 0, dims, 1, dims.length - 1);
        return new Shape(dims);
    }
}
