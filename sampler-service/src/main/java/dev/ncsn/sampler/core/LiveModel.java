package dev.ncsn.sampler.core;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The slot of one model name: which version new jobs get. Swapping is one atomic reference update; the slot's
 * reference on the old version is then given back, and the old network closes when its last job does
 * (see {@link ServedModel}).
 */
public final class LiveModel {

    private final String name;
    private final AtomicReference<ServedModel> current = new AtomicReference<>();

    public LiveModel(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** The live version's id, or null before the first load. */
    public String version() {
        ServedModel m = current.get();
        return m == null ? null : m.version();
    }

    public boolean isLoaded() {
        return current.get() != null;
    }

    /** The live version, for inspection only (no reference is taken). */
    public Optional<ServedModel> peek() {
        return Optional.ofNullable(current.get());
    }

    /**
     * A lease on the live version for a new job, or empty before the first load. A swap racing with this call
     * either leaves the job on the old version (still open: the job holds it) or gives it the new one.
     */
    public Optional<ServedModel.Lease> lease() {
        while (true) {
            ServedModel m = current.get();
            if (m == null) {
                return Optional.empty();
            }
            if (m.tryRetain()) {
                return Optional.of(new ServedModel.Lease(m));
            }
            // m was swapped out and its last job finished between get() and tryRetain(): read the slot again.
        }
    }

    /** Makes next the live version and gives back the slot's hold on the previous one; returns the previous. */
    public ServedModel install(ServedModel next) {
        ServedModel previous = current.getAndSet(next);
        if (previous != null) {
            previous.release();
        }
        return previous;
    }

    /** Empties the slot (at shutdown); running jobs keep their versions until they end. */
    public void close() {
        install(null);
    }
}
