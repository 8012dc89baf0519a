package dev.ncsn.model.store;

import java.time.Instant;
import java.util.Map;

/**
 * The object that says which version of a model is live ({@code models/NAME/live.json}). The trainer writes it
 * only after every file of the version is in place, so a reader that sees the pointer finds a complete version.
 */
public record LivePointer(String model, String version, String prefix, long step, Map<String, Double> metrics,
                          Instant updatedAt) {

    public LivePointer {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }
}
