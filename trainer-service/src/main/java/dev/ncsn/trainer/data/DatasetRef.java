package dev.ncsn.trainer.data;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.regex.Pattern;

/**
 * Where a run's images come from. Exactly one of three forms (JSON as in a run request):
 * <ul>
 *   <li>{@code {"path": "/data/fashion-mnist"}}: a file or directory on the trainer's disk, read by
 *       {@code Datasets.open};</li>
 *   <li>{@code {"prefix": "uploads/faces/"}}: every object under a prefix of the store's bucket;</li>
 *   <li>{@code {"dataset": "fashion-mnist", "version": "v3"}}: a version of a dataset in the store, i.e. the prefix
 *       {@code datasets/NAME/vN/} (see {@link DatasetCatalog}); {@code "version"} may be omitted or
 *       {@code "latest"}, which a run resolves to the newest complete version when it starts and then keeps.</li>
 * </ul>
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DatasetRef(String path, String prefix, String dataset, String version) {

    public static final String LATEST = "latest";
    private static final Pattern VERSION = Pattern.compile("v[1-9][0-9]{0,8}");

    public DatasetRef {
        int forms = (path != null ? 1 : 0) + (prefix != null ? 1 : 0) + (dataset != null ? 1 : 0);
        if (forms != 1) {
            throw new IllegalArgumentException("a data source needs exactly one of \"path\" (local), \"prefix\" "
                    + "(objects in the bucket) or \"dataset\" (+ optional \"version\"); got " + forms);
        }
        if (path != null && path.isBlank()) {
            throw new IllegalArgumentException("\"path\" is blank");
        }
        if (prefix != null) {
            if (prefix.isBlank() || prefix.startsWith("/")) {
                throw new IllegalArgumentException("\"prefix\" must be a non-empty object key prefix without a "
                        + "leading '/', got \"" + prefix + "\"");
            }
            if (!prefix.endsWith("/")) {
                prefix = prefix + "/";
            }
        }
        if (version != null && dataset == null) {
            throw new IllegalArgumentException("\"version\" needs \"dataset\"");
        }
        if (dataset != null) {
            DatasetCatalog.requireDatasetName(dataset);
            if (version == null || version.isBlank()) {
                version = LATEST;
            }
            if (!version.equals(LATEST) && !VERSION.matcher(version).matches()) {
                throw new IllegalArgumentException("dataset version must be \"latest\" or v1, v2, …; got \""
                        + version + "\"");
            }
        }
    }

    public static DatasetRef local(String path) {
        return new DatasetRef(path, null, null, null);
    }

    public static DatasetRef objects(String prefix) {
        return new DatasetRef(null, prefix, null, null);
    }

    public static DatasetRef dataset(String name, String version) {
        return new DatasetRef(null, null, name, version);
    }

    @JsonIgnore
    public boolean isVersioned() {
        return dataset != null;
    }

    @JsonIgnore
    public boolean isLatest() {
        return dataset != null && LATEST.equals(version);
    }

    /** The version number of a resolved versioned reference (v3 → 3). */
    @JsonIgnore
    public int versionNumber() {
        if (dataset == null || isLatest()) {
            throw new IllegalStateException(this + " has no version number");
        }
        return Integer.parseInt(version.substring(1));
    }

    @Override
    public String toString() {
        if (path != null) {
            return "file:" + path;
        }
        if (prefix != null) {
            return "s3:" + prefix;
        }
        return "dataset " + dataset + "/" + version;
    }
}
