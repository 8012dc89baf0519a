/**
 * The checkpoint format every service shares: {@code manifest.json} (what the checkpoint is, with a SHA-256 and a
 * parameter table) beside {@code parameters.bin} (raw little-endian float32), written atomically and verified on read
 * ({@link dev.ncsn.model.checkpoint.Checkpoint}, {@link dev.ncsn.model.checkpoint.CheckpointManifest}). A
 * {@link dev.ncsn.model.checkpoint.LoadedCheckpoint} builds the network its manifest names and loads itself into it.
 */
package dev.ncsn.model.checkpoint;
