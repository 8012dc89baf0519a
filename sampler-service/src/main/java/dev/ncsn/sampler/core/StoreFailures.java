package dev.ncsn.sampler.core;

import dev.ncsn.model.store.ModelStore;

import java.io.IOException;

/** Tells a store that cannot be reached (worth retrying) from an object that is wrong (worth refusing). */
final class StoreFailures {

    private StoreFailures() {
    }

    /**
     * Whether the failure came from the store or the network rather than from what was read: a {@link
     * ModelStore.StoreException} (the store refused or could not be asked) or an I/O error anywhere in the causes
     * (connection refused or reset, a download cut short). A checksum, a shape or a missing manifest is the version's.
     */
    static boolean unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ModelStore.StoreException || t instanceof IOException) {
                return true;
            }
        }
        return false;
    }
}
