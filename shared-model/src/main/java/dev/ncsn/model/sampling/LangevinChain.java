package dev.ncsn.model.sampling;

import dev.ncsn.model.NoiseSchedule;

/**
 * The state of one sampling job: its samples, where it is in the schedule, and its own random stream.
 *
 * <p>Every random number a job uses comes from a generator seeded by the job's seed and is drawn in the same
 * order whatever else shares the forward pass, so a job's result depends only on its spec and the scores
 * (same seed → same samples, alone or batched). The chain itself never evaluates the score: a
 * {@link AnnealedLangevinSampler} gathers the {@link #nextLevel() next level} of many chains into one batch
 * and hands each chain its slice of the scores through {@link #advance}.
 *
 * <p>Not thread-safe except {@link #cancel()}, which any thread may call.
 */
public final class LangevinChain {

    /** Where a chain is in its life. */
    public enum State { RUNNING, DONE, CANCELLED, FAILED }

    private final SamplingSpec spec;
    private final NoiseSchedule schedule;
    private final int dim;
    private final Inpainting inpainting;
    private final FrameListener listener;
    private JobRandom random;
    private final float[] x;
    /** Known values of the current level, observation + σ_i·z, drawn once per level as the reference does. */
    private final float[] knownNoisy;

    private final int phases;       // number of (level, T steps) phases in the plan
    private int phase;              // index into the plan
    private int stepInPhase;        // steps done in the current phase
    private int completed;          // score evaluations done
    private boolean denoising;      // in NCSNv2's final denoising step
    private volatile boolean cancelRequested;
    private State state = State.RUNNING;
    private String failure;

    /**
     * @param spec       the job
     * @param schedule   the noise levels of the model that will score this chain
     * @param sampleSize values per sample (C·H·W)
     * @param inpainting null for unconditional generation
     * @param listener   receives frames; {@link FrameListener#NONE} for none
     */
    public LangevinChain(SamplingSpec spec, NoiseSchedule schedule, int sampleSize, Inpainting inpainting,
                         FrameListener listener) {
        if (inpainting != null && inpainting.size() != sampleSize) {
            throw new IllegalArgumentException("inpainting observation has " + inpainting.size()
                    + " values, the model's samples have " + sampleSize);
        }
        this.spec = spec;
        this.schedule = schedule;
        this.dim = sampleSize;
        this.inpainting = inpainting;
        this.listener = listener == null ? FrameListener.NONE : listener;
        this.random = JobRandom.seeded(spec.seed());
        this.phases = spec.dynamics() == Dynamics.ANNEALED ? schedule.levels() : 1;
        this.x = new float[Math.multiplyExact(spec.count(), sampleSize)];
        this.knownNoisy = inpainting == null ? null : new float[x.length];
        double low = spec.initLow();
        double span = spec.initHigh() - low;
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (low + span * random.nextDouble());
        }
        if (inpainting != null) {
            drawKnownValuesForLevel();
        }
    }

    public SamplingSpec spec() {
        return spec;
    }

    public int count() {
        return spec.count();
    }

    public int sampleSize() {
        return dim;
    }

    public State state() {
        return state;
    }

    /** Why the chain failed, or null. */
    public String failure() {
        return failure;
    }

    public boolean isRunning() {
        return state == State.RUNNING;
    }

    /** Asks the chain to stop; it stops before its next step. Safe from any thread. */
    public void cancel() {
        cancelRequested = true;
    }

    public boolean cancelRequested() {
        return cancelRequested;
    }

    /** Score evaluations the whole job takes. */
    public int totalSteps() {
        int steps = phases * stepsPerPhase();
        return spec.finalDenoise() ? steps + 1 : steps;
    }

    /** Score evaluations done so far. */
    public int completedSteps() {
        return completed;
    }

    /** 0-based index of the level the next score evaluation is at. */
    public int nextLevel() {
        if (denoising) {
            return schedule.levels() - 1;
        }
        return spec.dynamics() == Dynamics.ANNEALED ? phase : schedule.levels() - 1;
    }

    /** A copy of the current samples, [count, sampleSize] row-major. */
    public float[] samples() {
        return x.clone();
    }

    /**
     * The chain's whole position and random state, to be written down ({@link ChainState}); only while it runs,
     * between steps.
     */
    public ChainState checkpoint() {
        if (state != State.RUNNING) {
            throw new IllegalStateException("chain is " + state + "; only a running chain is checkpointed");
        }
        return new ChainState(x.clone(), knownNoisy == null ? null : knownNoisy.clone(), random.draws(), phase,
                stepInPhase, completed, denoising);
    }

    /**
     * Puts a fresh chain (same spec, schedule and inpainting as the one checkpointed) where the checkpoint was: the
     * following steps, frames and result are those the original chain would have produced.
     */
    public void restore(ChainState saved) {
        if (completed != 0 || state != State.RUNNING) {
            throw new IllegalStateException("only a fresh chain can be restored, this one is " + state + " after "
                    + completed + " steps");
        }
        if (saved.x().length != x.length || (saved.knownNoisy() == null) != (knownNoisy == null)) {
            throw new IllegalArgumentException("the checkpoint has " + saved.x().length + " values"
                    + (saved.knownNoisy() == null ? "" : " and inpainting") + "; this chain has " + x.length
                    + (knownNoisy == null ? "" : " and inpainting"));
        }
        boolean last = saved.phase() == phases - 1;
        boolean position = saved.denoising()
                ? spec.finalDenoise() && last && saved.stepInPhase() == stepsPerPhase()
                : saved.stepInPhase() < stepsPerPhase();
        if (saved.phase() >= phases || saved.completedSteps() >= totalSteps() || !position) {
            throw new IllegalArgumentException("the checkpoint's position " + saved + " is not inside this chain's plan");
        }
        System.arraycopy(saved.x(), 0, x, 0, x.length);
        if (knownNoisy != null) {
            System.arraycopy(saved.knownNoisy(), 0, knownNoisy, 0, knownNoisy.length);
        }
        random = JobRandom.resumed(spec.seed(), saved.randomDraws());
        phase = saved.phase();
        stepInPhase = saved.stepInPhase();
        completed = saved.completedSteps();
        denoising = saved.denoising();
    }

    /** Copies the current samples into dst at offset: how a sampler builds a batch. */
    void copySamplesInto(float[] dst, int offset) {
        System.arraycopy(x, 0, dst, offset, x.length);
    }

    /** Stops the chain when a cancel was requested. Returns whether it is still running. */
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

    private int stepsPerPhase() {
        return spec.dynamics() == Dynamics.ANNEALED
                ? spec.stepsPerLevel() : spec.stepsPerLevel() * schedule.levels();
    }

    /**
     * One Langevin step with the scores of this chain's samples, read from scores[offset, offset + count·size).
     * The scores must have been evaluated at the samples as copied by {@link #copySamplesInto} and at
     * {@link #nextLevel()}.
     */
    void advance(float[] scores, int offset) {
        if (state != State.RUNNING) {
            throw new IllegalStateException("chain is " + state);
        }
        int level = nextLevel();
        double sigma = schedule.sigma(level);
        completed++;
        if (denoising) {
            float[] before = x.clone();
            double s2 = sigma * sigma;
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (x[i] + s2 * scores[offset + i]);
            }
            keepObservation();
            state = State.DONE;
            emit(level, sigma, stepsPerPhase() + 1, before, scores, offset, true);
            return;
        }
        boolean frameDue = (stepInPhase + 1) % spec.frameEvery() == 0 || stepInPhase + 1 == stepsPerPhase();
        float[] before = frameDue ? x.clone() : null;
        double alpha = spec.dynamics() == Dynamics.ANNEALED ? schedule.stepSize(level, spec.epsilon()) : spec.epsilon();
        double drift = alpha / 2;
        double diffusion = Math.sqrt(alpha);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] + drift * scores[offset + i] + diffusion * random.nextGaussian());
        }
        if (inpainting != null) {
            resetKnownValues();
        }
        stepInPhase++;
        boolean phaseEnds = stepInPhase == stepsPerPhase();
        boolean chainEnds = phaseEnds && phase == phases - 1;
        if (chainEnds) {
            if (spec.finalDenoise()) {
                denoising = true;
            } else {
                keepObservation();
                state = State.DONE;
            }
        }
        if (frameDue) {
            emit(level, sigma, stepInPhase, before, scores, offset, false);
        }
        if (phaseEnds && !chainEnds) {
            phase++;
            stepInPhase = 0;
            if (inpainting != null) {
                drawKnownValuesForLevel();
            }
        }
    }

    private void emit(int level, double sigma, int step, float[] before, float[] scores, int offset, boolean last) {
        float[] denoised = new float[x.length];
        double s2 = sigma * sigma;
        for (int i = 0; i < x.length; i++) {
            denoised[i] = (float) (before[i] + s2 * scores[offset + i]);
        }
        int displayLevel = level + 1;
        listener.onFrame(new Frame(displayLevel, sigma, step, stepsPerPhase(), completed, totalSteps(), last,
                x.clone(), denoised));
    }

    /** At the start of each level: the known values become observation + σ_i·z, drawn once for the level. */
    private void drawKnownValuesForLevel() {
        double sigma = schedule.sigma(nextLevel());
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
        if (inpainting == null) {
            return;
        }
        for (int n = 0; n < spec.count(); n++) {
            for (int j = 0; j < dim; j++) {
                if (!inpainting.generates(j)) {
                    x[n * dim + j] = inpainting.observed(j);
                }
            }
        }
    }
}
