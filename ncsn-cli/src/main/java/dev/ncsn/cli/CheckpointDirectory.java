package dev.ncsn.cli;

import dev.ncsn.model.checkpoint.Checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where `ncsn train --out DIR` keeps things, and how `ncsn sample --checkpoint` finds a checkpoint:
 * <pre>
 *   DIR/state/            everything a resume needs (weights, EMA, Adam moments, step, config)
 *   DIR/checkpoints/step-K/  published EMA checkpoints (manifest.json, parameters.bin, samples.png)
 *   DIR/checkpoints/LATEST   name of the newest of them
 *   DIR/loss.csv          step, loss, seconds
 * </pre>
 */
final class CheckpointDirectory {

    private CheckpointDirectory() {
    }

    static Path state(Path out) {
        return out.resolve("state");
    }

    static Path checkpoints(Path out) {
        return out.resolve("checkpoints");
    }

    static void markLatest(Path out, String name) {
        try {
            Path tmp = checkpoints(out).resolve("LATEST.tmp");
            Files.writeString(tmp, name + "\n");
            Files.move(tmp, checkpoints(out).resolve("LATEST"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A checkpoint directory itself, or the newest checkpoint of a training output directory. */
    static Path resolve(Path given) {
        if (Files.isRegularFile(given.resolve(Checkpoint.MANIFEST_FILE))) {
            return given;
        }
        Path latest = checkpoints(given).resolve("LATEST");
        if (Files.isRegularFile(latest)) {
            try {
                return checkpoints(given).resolve(Files.readString(latest).trim());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalArgumentException(given + " is neither a checkpoint (no " + Checkpoint.MANIFEST_FILE
                + ") nor a training output directory (no checkpoints/LATEST)");
    }
}
