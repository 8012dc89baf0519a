package dev.ncsn.model.contract;

import java.time.Instant;
import java.util.Map;

/**
 * A model's live version changed. JSON on the compacted {@link Topics#MODEL_UPDATES}, keyed by model name, so
 * a new consumer reads the latest per model. Published after the version's files and the pointer are written.
 *
 * @param prefix  where the version's files are in the bucket (manifest.json, parameters.bin, …)
 * @param metrics the version's scores, e.g. held-out DSM loss
 */
public record ModelUpdate(String model, String version, String prefix, long step, Map<String, Double> metrics,
                          Instant publishedAt) {
}
