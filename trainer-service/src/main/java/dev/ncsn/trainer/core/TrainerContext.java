package dev.ncsn.trainer.core;

import dev.ncsn.model.store.ModelStore;
import dev.ncsn.trainer.config.TrainerSettings;
import dev.ncsn.trainer.data.DatasetCatalog;
import dev.ncsn.trainer.data.DatasetSource;
import dev.ncsn.trainer.store.CheckpointPublisher;
import dev.ncsn.trainer.store.StateSync;

/** The collaborators a {@link TrainingJob} works with; assembled by {@link TrainerNode}. */
public record TrainerContext(TrainerSettings settings, ModelStore store, DatasetCatalog catalog,
                             DatasetSource source, RunRegistry registry, StateSync states, PromotionGate gate,
                             CheckpointPublisher publisher, TrainerMetrics metrics) {
}
