package dev.ncsn.model.sampling;

/**
 * Receives a chain's frames on the sampling thread, at the cadence of {@link SamplingSpec#frameEvery()}. The
 * arrays in a frame are copies the listener may keep. A listener that throws fails only its own job.
 */
@FunctionalInterface
public interface FrameListener {

    FrameListener NONE = frame -> { };

    void onFrame(Frame frame);
}
