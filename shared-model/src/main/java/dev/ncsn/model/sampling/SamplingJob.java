package dev.ncsn.model.sampling;

import dev.ncsn.model.NoiseSchedule;

import java.util.List;

/**
 * The state of one sampling job: its samples x, its random stream, its place in the sampler's plan, its cancel
 * flag and where its frames go. The update rule is the {@link Sampler}'s; a {@link SamplingRunner} gathers the
 * next evaluation of many jobs into one forward pass and hands each job its slice of the scores.
 *
 * <p>Every random number a job uses comes from its {@link JobRandom}, seeded by the job's seed and drawn in an
 * order that does not depend on what else shares the forward pass, so a job's result depends only on its spec
 * and the scores (same seed → same samples, alone or batched). {@link #checkpoint()} writes down what a job needs
 * to resume exactly ({@link JobState}: x, the random stream's draw count, the position in the plan, …) and
 * {@link #restore} puts a fresh job there.
 *
 * <p>Inpainting is applied here, around every sampler's update: at each new noise level of the evaluations the
 * known values are set to observation + σ·z (drawn once per σ), reset after every update, and set to the
 * observation itself at the end.
 *
 * <p>Not thread-safe except {@link #cancel()}, which any thread may call.
 */
public final class SamplingJob {

    /** Where a job is in its life. */
    public enum State { RUNNING, DONE, CANCELLED, FAILED }

    private final SamplingSpec spec;
    private final Sampler sampler;
    private final SigmaGrid grid;
    private final List<Evaluation> plan;
    private final int[] networkLevels;
    private final boolean[] atTrainedLevel;
    private final int dim;
    private final Inpainting inpainting;
    private final FrameListener listener;
    private JobRandom random;
    private final float[] x;
    /** Known values at the current σ, observation + σ·z, drawn once per σ as the reference does per level. */
    private final float[] knownNoisy;
    private double knownSigma = Double.NaN;
    /** Values an update keeps for a later evaluation of the same step (Heun's first slope); null until asked. */
    private float[] saved;

    private int cursor;
    private volatile boolean cancelRequested;
    private State state = State.RUNNING;
    private String failure;

    /**
     * @param spec       the job
     * @param schedule   the trained levels of the model that will score this job
     * @param anySigma   whether that model accepts any σ ({@link dev.ncsn.model.ScoreModel#acceptsAnySigma()})
     * @param sampleSize values per sample (C·H·W)
     * @param inpainting null for unconditional generation
     * @param listener   receives frames; {@link FrameListener#NONE} for none
     * @throws IllegalArgumentException when the spec does not suit the model or the sampler
     */
    public SamplingJob(SamplingSpec spec, NoiseSchedule schedule, boolean anySigma, int sampleSize,
                       Inpainting inpainting, FrameListener listener) {
        if (inpainting != null && inpainting.size() != sampleSize) {
            throw new IllegalArgumentException("inpainting observation has " + inpainting.size()
                    + " values, the model's samples have " + sampleSize);
        }
        this.spec = spec;
        this.sampler = spec.finalDenoise() ? new FinalDenoise(spec.sampler()) : spec.sampler();
        this.grid = SigmaGrid.of(schedule, spec.levels(), anySigma);
        this.plan = List.copyOf(spec.plan(grid));
        this.networkLevels = new int[plan.size()];
        this.atTrainedLevel = new boolean[plan.size()];
        for (int i = 0; i < plan.size(); i++) {
            double sigma = plan.get(i).sigma();
            networkLevels[i] = schedule.nearestLevel(sigma);
            atTrainedLevel[i] = schedule.sigma(networkLevels[i]) == sigma;
        }
        this.dim = sampleSize;
        this.inpainting = inpainting;
        this.listener = listener == null ? FrameListener.NONE : listener;
        this.random = JobRandom.seeded(spec.seed());
        this.x = new float[Math.multiplyExact(spec.count(), sampleSize)];
        this.knownNoisy = inpainting == null ? null : new float[x.length];
        sampler.initialise(this);
        if (inpainting != null) {
            prepareKnownValues(plan.get(0).sigma());
        }
    }

    public SamplingSpec spec() {
        return spec;
    }

    /** The update rule (with the final denoising step when the spec asks for it). */
    public Sampler sampler() {
        return sampler;
    }

    public SigmaGrid grid() {
        return grid;
    }

    /** Every evaluation the job makes, in order. */
    public List<Evaluation> plan() {
        return plan;
    }

    public int count() {
        return spec.count();
    }

    public int sampleSize() {
        return dim;
    }

    /** The samples themselves, [count, sampleSize] row-major: samplers update them in place. */
    public float[] x() {
        return x;
    }

    /** The job's random stream: the only source of randomness a sampler may use. */
    public JobRandom random() {
        return random;
    }

    /**
     * A per-job array of x's length kept between evaluations (Heun's first slope), allocated on first use; null
     * from {@link #saved()} until then.
     */
    public float[] saved(boolean create) {
        if (saved == null && create) {
            saved = new float[x.length];
        }
        return saved;
    }

    public float[] saved() {
        return saved;
    }

    public State state() {
        return state;
    }

    /** Why the job failed, or null. */
    public String failure() {
        return failure;
    }

    public boolean isRunning() {
        return state == State.RUNNING;
    }

    /** Asks the job to stop; it stops before its next evaluation. Safe from any thread. */
    public void cancel() {
        cancelRequested = true;
    }

    public boolean cancelRequested() {
        return cancelRequested;
    }

    /** Network evaluations the whole job takes. */
    public int networkEvaluations() {
        return plan.size();
    }

    /** Network evaluations done so far. */
    public int completedEvaluations() {
        return cursor;
    }

    /** The next evaluation, or null when the plan is done. */
    public Evaluation nextEvaluation() {
        return cursor < plan.size() ? plan.get(cursor) : null;
    }

    /** 0-based trained level the network is evaluated at next (the nearest to the evaluation's σ). */
    public int nextNetworkLevel() {
        return networkLevels[cursor];
    }

    /** Whether the next evaluation's σ is exactly a trained level (then a level index describes it fully). */
    boolean nextAtTrainedLevel() {
        return atTrainedLevel[cursor];
    }

    /** A copy of the current samples, [count, sampleSize] row-major. */
    public float[] samples() {
        return x.clone();
    }

    /** Fills x with uniform noise on the spec's range, in order: Algorithm 1's start. */
    public void fillUniform() {
        double low = spec.initLow();
        double span = spec.initHigh() - low;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (low + span * random.nextDouble());
        }
    }

    /** Adds σ·z to every value: how samplers that reverse a diffusion start from noise at σ1. */
    public void addNoise(double sigma) {
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] + sigma * random.nextGaussian());
        }
    }

    /** The job's whole position and random state, to be written down; only while it runs, between steps. */
    public JobState checkpoint() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("job is " + state + "; only a running job is checkpointed");
        }
        return new JobState(x.clone(), knownNoisy == null ? null : knownNoisy.clone(), knownSigma, random.draws(),
                cursor, saved == null ? null : saved.clone());
    }

    /**
     * Puts a fresh job (same spec, model levels and inpainting as the one checkpointed) where the checkpoint was:
     * the following evaluations, frames and result are those the original job would have produced.
     */
    public void restore(JobState state) {
        if (cursor != 0 || this.state != State.RUNNING) {
            throw new IllegalStateException("only a fresh job can be restored, this one is " + this.state + " after "
                    + cursor + " evaluations");
        }
        if (state.x().length != x.length || (state.knownNoisy() == null) != (knownNoisy == null)) {
            throw new IllegalArgumentException("the checkpoint has " + state.x().length + " values"
                    + (state.knownNoisy() == null ? "" : " and inpainting") + "; this job has " + x.length
                    + (knownNoisy == null ? "" : " and inpainting"));
        }
        if (state.completedEvaluations() >= plan.size()) {
            throw new IllegalArgumentException("the checkpoint's position " + state + " is not inside this job's plan of "
                    + plan.size() + " evaluations");
        }
        System.arraycopy(state.x(), 0, x, 0, x.length);
        if (knownNoisy != null) {
            System.arraycopy(state.knownNoisy(), 0, knownNoisy, 0, knownNoisy.length);
        }
        knownSigma = state.knownSigma();
        saved = state.saved() == null ? null : state.saved().clone();
        random = JobRandom.resumed(spec.seed(), state.randomDraws());
        cursor = state.completedEvaluations();
    }

    /** Copies the current samples into dst at offset: how a runner builds a batch. */
    void copySamplesInto(float[] dst, int offset) {
        System.arraycopy(x, 0, dst, offset, x.length);
    }

    /** Stops the job when a cancel was requested. Returns whether it is still running. */
    boolean checkCancelled() {
        if (state == State.RUNNING && cancelRequested) {
            state = State.CANCELLED;
        }
        return state == State.RUNNING;
    }

    void fail(String reason) {
        state = State.FAILED;
        failure = reason;
    }

    /**
     * The sampler's update with this job's scores, read from scores[offset, offset + count·size), which must have
     * been evaluated at the samples as copied by {@link #copySamplesInto} and at {@link #nextEvaluation()}.
     */
    void advance(float[] scores, int offset) {
        if (state != State.RUNNING) {
            throw new IllegalStateException("job is " + state);
        }
        Evaluation e = plan.get(cursor);
        boolean frameDue = e.denoise()
                || e.endsStep() && (e.step() % spec.frameEvery() == 0 || e.step() == e.stepsInLevel());
        float[] before = frameDue ? x.clone() : null;
        sampler.update(e, this, scores, offset);
        cursor++;
        boolean ends = cursor == plan.size();
        if (inpainting != null) {
            if (ends) {
                keepObservation();
            } else {
                resetKnownValues();
            }
        }
        if (ends) {
            state = State.DONE;
        }
        if (frameDue) {
            emit(e, before, scores, offset);
        }
        if (inpainting != null && !ends) {
            prepareKnownValues(plan.get(cursor).sigma());
        }
    }

    private void emit(Evaluation e, float[] before, float[] scores, int offset) {
        float[] denoised = new float[x.length];
        double s2 = e.sigma() * e.sigma();
        for (int i = 0; i < x.length; i++) {
            denoised[i] = (float) (before[i] + s2 * scores[offset + i]);
        }
        listener.onFrame(new Frame(e.level(), grid.levels(), e.sigma(), e.step(), e.stepsInLevel(), cursor,
                plan.size(), e.denoise(), x.clone(), denoised));
    }

    /** Before evaluating at a new σ: the known values become observation + σ·z, drawn once for that σ. */
    private void prepareKnownValues(double sigma) {
        if (sigma == knownSigma) {
            return;
        }
        knownSigma = sigma;
        for (int n = 0; n < spec.count(); n++) {
            for (int j = 0; j < dim; j++) {
                int i = n * dim + j;
                if (!inpainting.generates(j)) {
                    knownNoisy[i] = (float) (inpainting.observed(j) + sigma * random.nextGaussian());
                    x[i] = knownNoisy[i];
                }
            }
        }
    }

    private void resetKnownValues() {
        for (int n = 0; n < spec.count(); n++) {
            for (int j = 0; j < dim; j++) {
                if (!inpainting.generates(j)) {
                    x[n * dim + j] = knownNoisy[n * dim + j];
                }
            }
        }
    }

    /** The result shows the observation itself where it is known, not a noisy copy of it. */
    private void keepObservation() {
        for (int n = 0; n < spec.count(); n++) {
            for (int j = 0; j < dim; j++) {
                if (!inpainting.generates(j)) {
                    x[n * dim + j] = inpainting.observed(j);
                }
            }
        }
    }
}
