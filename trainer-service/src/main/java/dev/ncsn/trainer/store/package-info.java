/**
 * What the trainer writes to the bucket and in which order: training state in two places
 * ({@link dev.ncsn.trainer.store.StateSync}), checkpoint publication (version, then pointer, then event:
 * {@link dev.ncsn.trainer.store.CheckpointPublisher}) and the deletion of old versions
 * ({@link dev.ncsn.trainer.store.RetentionPolicy}).
 */
package dev.ncsn.trainer.store;
