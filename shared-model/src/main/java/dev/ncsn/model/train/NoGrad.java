package dev.ncsn.model.train;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Switches PyTorch's grad mode off for the calling thread until closed, then restores what it was:
 * {@code try (NoGrad ignored = NoGrad.enter()) { … }}.
 *
 * <p>Grad mode is thread-local in PyTorch and on by default in a new thread; DJL switches it off only in the thread
 * that loaded the engine (and a GradientCollector switches it on). In-place updates of parameters that require
 * gradients are an error in grad mode, and evaluations should not build graphs, so the optimiser, the moving
 * average and evaluations run inside one of these.
 */
public final class NoGrad implements AutoCloseable {

    private final boolean previous;
    private final Thread owner;

    private NoGrad() {
        owner = Thread.currentThread();
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    public static NoGrad enter() {
        return new NoGrad();
    }

    @Override
    public void close() {
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("NoGrad closed on another thread than the one that entered it");
        }
        JniUtils.setGradMode(previous);
    }
}
