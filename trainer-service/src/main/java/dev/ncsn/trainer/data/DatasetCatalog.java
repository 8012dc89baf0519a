package dev.ncsn.trainer.data;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.store.Bucket;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Versioned datasets in the bucket. The convention:
 * <pre>
 *   datasets/NAME/vN/…              the version's objects: training images (IDX, CIFAR-10 batches, PNG/JPEG),
 *                                   optionally held-out ones (see {@link DatasetSource} for which are which)
 *   datasets/NAME/vN/dataset.json   written last: a version without it is incomplete and invisible
 * </pre>
 * N counts up from 1 without leading zeros; versions compare by N (v10 is newer than v9). A version is immutable
 * once its {@code dataset.json} exists: new data is a new version. The marker's content is informational
 * (file list, time); only its presence matters.
 */
public final class DatasetCatalog {

    public static final String ROOT = "datasets/";
    public static final String MARKER = "dataset.json";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern VERSION_DIR = Pattern.compile("v([1-9][0-9]{0,8})/");

    private final Bucket bucket;

    public DatasetCatalog(Bucket bucket) {
        this.bucket = bucket;
    }

    public static String requireDatasetName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("dataset name must be 1-128 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit; got " + (name == null ? "nothing" : "\"" + name + "\""));
        }
        return name;
    }

    public static String prefix(String name, int version) {
        return ROOT + requireDatasetName(name) + "/v" + version + "/";
    }

    /** The complete versions of a dataset, oldest first. */
    public List<Integer> versions(String name) {
        String root = ROOT + requireDatasetName(name) + "/";
        List<Integer> out = new ArrayList<>();
        for (String child : bucket.children(root)) {
            Matcher m = VERSION_DIR.matcher(child.substring(root.length()));
            if (m.matches()) {
                int n = Integer.parseInt(m.group(1));
                if (bucket.exists(prefix(name, n) + MARKER)) {
                    out.add(n);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** The newest complete version, if any. */
    public Optional<Integer> latest(String name) {
        List<Integer> v = versions(name);
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    /**
     * A versioned reference with "latest" replaced by the newest complete version; a named version must be
     * complete. Other references come back as they are.
     */
    public DatasetRef resolve(DatasetRef ref) {
        if (!ref.isVersioned()) {
            return ref;
        }
        if (ref.isLatest()) {
            int n = latest(ref.dataset()).orElseThrow(() -> new UnknownDataException("dataset " + ref.dataset()
                    + " has no complete version in the store (looked for " + ROOT + ref.dataset() + "/vN/" + MARKER
                    + ")"));
            return DatasetRef.dataset(ref.dataset(), "v" + n);
        }
        if (!bucket.exists(prefix(ref.dataset(), ref.versionNumber()) + MARKER)) {
            throw new UnknownDataException(ref + " does not exist or is incomplete (no "
                    + prefix(ref.dataset(), ref.versionNumber()) + MARKER + ")");
        }
        return ref;
    }

    /**
     * Publishes a new version: the files (relative name → bytes) under the next version's prefix, then the marker.
     * The next number is one more than any version prefix present, complete or not.
     */
    public DatasetRef publish(String name, Map<String, byte[]> files) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("a dataset version needs at least one file");
        }
        String root = ROOT + requireDatasetName(name) + "/";
        int highest = 0;
        for (String child : bucket.children(root)) {
            Matcher m = VERSION_DIR.matcher(child.substring(root.length()));
            if (m.matches()) {
                highest = Math.max(highest, Integer.parseInt(m.group(1)));
            }
        }
        int version = highest + 1;
        String prefix = prefix(name, version);
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            if (f.getKey().isBlank() || f.getKey().startsWith("/") || f.getKey().equals(MARKER)) {
                throw new IllegalArgumentException("bad file name in a dataset version: \"" + f.getKey() + "\"");
            }
            bucket.put(prefix + f.getKey(), f.getValue(), "application/octet-stream");
        }
        ObjectNode marker = JsonNodeFactory.instance.objectNode();
        marker.put("dataset", name);
        marker.put("version", "v" + version);
        marker.put("createdAt", Instant.now().toString());
        marker.putPOJO("files", files.keySet().stream().sorted().toList());
        bucket.put(prefix + MARKER, marker.toPrettyString().getBytes(StandardCharsets.UTF_8), "application/json");
        return DatasetRef.dataset(name, "v" + version);
    }

    /** Data that a run asks for and the store does not have. */
    public static final class UnknownDataException extends RuntimeException {
        public UnknownDataException(String message) {
            super(message);
        }
    }
}
