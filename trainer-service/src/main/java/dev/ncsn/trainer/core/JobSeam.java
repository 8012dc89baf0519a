package dev.ncsn.trainer.core;

/**
 * The test seam of a {@link TrainingJob}: the three points where a test watches a job or ends it as abruptly as a
 * killed process would, so resume can be tested without killing a JVM. A job calls {@link #beforeStep},
 * {@link #afterStep} and {@link #beforePublish}; a job nobody configured does nothing at any of them. Tests reach a
 * job's seam through {@code TrainerNode.beforeLaunch}.
 */
public final class JobSeam {

    /** Called on the training thread after each step. */
    @FunctionalInterface
    public interface StepListener {
        void onStep(long step, double loss);
    }

    /** Ends the worker without saving or recording anything, as a kill would. Never caught as a failure. */
    static final class SimulatedKill extends Error {
        SimulatedKill(String message) {
            super(message, null, false, false);
        }
    }

    private volatile StepListener stepListener;
    private volatile long killAtStep = -1;
    private volatile long killBeforePublishAt = -1;

    /** Calls {@code listener} after each step. */
    public JobSeam onStep(StepListener listener) {
        stepListener = listener;
        return this;
    }

    /** The worker vanishes once the step counter reaches {@code step}, before training further. */
    public JobSeam crashAtStep(long step) {
        killAtStep = step;
        return this;
    }

    /**
     * The worker vanishes at the checkpoint of {@code step} after saving the state and recording the pending version
     * id, before anything of the version is written.
     */
    public JobSeam crashBeforePublishAt(long step) {
        killBeforePublishAt = step;
        return this;
    }

    void beforeStep(String runId, long step) {
        if (killAtStep >= 0 && step >= killAtStep) {
            throw new SimulatedKill("run " + runId + ": simulated crash at step " + step);
        }
    }

    void afterStep(long step, double loss) {
        StepListener listener = stepListener;
        if (listener != null) {
            listener.onStep(step, loss);
        }
    }

    void beforePublish(String runId, long step, String version) {
        if (step == killBeforePublishAt) {
            throw new SimulatedKill("run " + runId + ": simulated crash before publishing " + version);
        }
    }
}
