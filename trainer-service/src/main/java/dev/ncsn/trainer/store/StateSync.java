package dev.ncsn.trainer.store;

import dev.ncsn.model.store.Bucket;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Keeps a run's training state in two places: the trainer's local work directory, where {@code TrainingRun}
 * saves and resumes it, and the bucket, so that a trainer on another machine (or one whose disk was lost, as in a
 * container) resumes too.
 * <pre>
 *   WORK/runs/RUN/seg-NNN/step-K/…    TrainingRun.saveState's layout: weights, ema, adam-m, adam-v, state.json
 *   WORK/runs/RUN/seg-NNN/LATEST
 *   runs/RUN/state/seg-NNN/step-K/…   the same files, uploaded after each save
 *   runs/RUN/state/seg-NNN/LATEST     written after the files it names
 * </pre>
 * Before a resume, {@link #prepare} takes whichever copy has the higher step: the local one is ahead if an upload
 * failed, the bucket's if the disk is new.
 */
public final class StateSync {

    private static final Logger LOG = Logger.getLogger(StateSync.class);
    private static final String LATEST = "LATEST";
    /** The run records' root, {@code RunRegistry.ROOT}: a run's state lives beside its record. */
    private static final String RUNS = "runs/";

    private final Bucket bucket;
    private final Path workDir;

    public StateSync(Bucket bucket, Path workDir) {
        this.bucket = bucket;
        this.workDir = workDir;
    }

    public Path localRoot(String runId, int segment) {
        return workDir.resolve("runs").resolve(runId).resolve(segmentName(segment));
    }

    public static String remoteRoot(String runId, int segment) {
        return RUNS + runId + "/state/" + segmentName(segment) + "/";
    }

    private static String segmentName(int segment) {
        return String.format("seg-%03d", segment);
    }

    /**
     * Makes the local root hold the newest saved state of the segment, downloading it when the bucket's is newer.
     * Returns the step of that state, or -1 when there is none.
     */
    public long prepare(String runId, int segment) {
        Path root = localRoot(runId, segment);
        String local = localLatest(root);
        String remoteRoot = remoteRoot(runId, segment);
        String remote = bucket.get(remoteRoot + LATEST).map(b -> new String(b, StandardCharsets.UTF_8).trim())
                .orElse(null);
        long localStep = stepOf(local);
        long remoteStep = stepOf(remote);
        if (remoteStep > localStep) {
            Path target = root.resolve(remote);
            try {
                if (Files.exists(target)) {
                    deleteTree(target);
                }
                String from = remoteRoot + remote + "/";
                for (Bucket.Entry e : bucket.list(from)) {
                    bucket.download(e.key(), target.resolve(e.key().substring(from.length())));
                }
                Files.createDirectories(root);
                Path tmp = root.resolve(LATEST + ".tmp");
                Files.writeString(tmp, remote + "\n");
                Files.move(tmp, root.resolve(LATEST), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot download the state of run " + runId + " to " + root, e);
            }
            LOG.infof("run %s: fetched its training state at step %d from the store", runId, remoteStep);
            return remoteStep;
        }
        return localStep;
    }

    /** Uploads the state that the local LATEST names, then the bucket's LATEST; keeps the newest {@code keep}. */
    public void upload(String runId, int segment, int keep) {
        Path root = localRoot(runId, segment);
        String latest = localLatest(root);
        if (latest == null) {
            throw new IllegalStateException("run " + runId + " has no saved state under " + root);
        }
        String remoteRoot = remoteRoot(runId, segment);
        Path dir = root.resolve(latest);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                bucket.upload(f, remoteRoot + latest + "/" + dir.relativize(f).toString().replace('\\', '/'));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the state of run " + runId + " under " + dir, e);
        }
        bucket.put(remoteRoot + LATEST, (latest + "\n").getBytes(StandardCharsets.UTF_8), "text/plain");
        List<String> states = bucket.children(remoteRoot).stream()
                .map(c -> c.substring(remoteRoot.length(), c.length() - 1))
                .filter(n -> n.startsWith("step-")).sorted(Comparator.reverseOrder()).toList();
        for (int i = Math.max(1, keep); i < states.size(); i++) {
            if (!states.get(i).equals(latest)) {
                bucket.removeAll(remoteRoot + states.get(i) + "/");
            }
        }
    }

    /** Deletes a run's local copy (the bucket keeps its state). */
    public void deleteLocal(String runId) {
        Path dir = workDir.resolve("runs").resolve(runId);
        try {
            if (Files.exists(dir)) {
                deleteTree(dir);
            }
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", dir, e.getMessage());
        }
    }

    private static String localLatest(Path root) {
        Path latest = root.resolve(LATEST);
        if (!Files.isRegularFile(latest)) {
            return null;
        }
        try {
            String name = Files.readString(latest).trim();
            return Files.isDirectory(root.resolve(name)) ? name : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** step-000000120 → 120; null → -1. */
    static long stepOf(String stateName) {
        if (stateName == null || !stateName.startsWith("step-")) {
            return -1;
        }
        try {
            return Long.parseLong(stateName.substring("step-".length()));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
