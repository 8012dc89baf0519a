package dev.ncsn.trainer;

import dev.ncsn.model.store.ModelStore;

/** The collaborators a {@link TrainingJob} works with; assembled by {@link TrainerNode}. */
public record TrainerContext(TrainerSettings settings, ModelStore store, DatasetCatalog catalog,
                             DatasetSource source, RunRegistry registry, StateSync states, PromotionGate gate,
                             CheckpointPublisher publisher, TrainerMetrics metrics) {
}
