package dev.ncsn.model.store;

import ai.djl.ndarray.NDArray;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointException;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.net.Architecture;
import io.minio.MinioClient;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Checkpoints in an S3-compatible bucket (MinIO, S3Proxy, AWS S3). Layout, per model:
 * <pre>
 *   models/NAME/versions/VERSION/parameters.bin   written first
 *   models/NAME/versions/VERSION/…                 extras: samples.png, loss.png, evaluation.json
 *   models/NAME/versions/VERSION/manifest.json     written last: a version without it does not exist
 *   models/NAME/live.json                          the {@link LivePointer}, written after the version
 * </pre>
 * S3 has no rename, so completeness comes from order: readers look only at versions with a manifest and
 * follow only the pointer, and both are written after everything they point at. Versions are immutable.
 */
public final class ModelStore {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private final Bucket objects;

    public ModelStore(MinioClient client, String bucket) {
        this.objects = new Bucket(client, bucket);
    }

    /** The store at that endpoint, its bucket created when missing. */
    public static ModelStore connect(S3Endpoint endpoint) {
        ModelStore store = endpoint.openModelStore();
        store.ensureBucket();
        return store;
    }

    public String bucket() {
        return objects.name();
    }

    public static String modelPrefix(String model) {
        return "models/" + requireName(model, "model") + "/";
    }

    public static String versionPrefix(String model, String version) {
        return modelPrefix(model) + "versions/" + requireName(version, "version") + "/";
    }

    public static String pointerKey(String model) {
        return modelPrefix(model) + "live.json";
    }

    /** Names become object keys, so they are restricted to a safe alphabet. */
    public static String requireName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(what + " name must be 1-128 letters, digits, '.', '_' or '-', "
                    + "starting with a letter or digit; got " + (name == null ? "nothing" : "\"" + name + "\""));
        }
        return name;
    }

    public void ensureBucket() {
        objects.ensureExists();
    }

    /**
     * Writes a version: parameters, then the extra files (name → bytes), then the manifest. Returns the sealed
     * manifest. The manifest's model name and version id give the prefix; an existing version is refused.
     */
    public CheckpointManifest putVersion(CheckpointManifest meta, Map<String, NDArray> parameters,
                                         Map<String, byte[]> extras) {
        String prefix = versionPrefix(meta.modelName(), meta.versionId());
        if (exists(prefix + Checkpoint.MANIFEST_FILE)) {
            throw new IllegalStateException("version " + meta.versionId() + " of " + meta.modelName()
                    + " already exists; versions are immutable");
        }
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        CheckpointManifest sealed = Checkpoint.writeParameters(meta, parameters, buffer);
        put(prefix + Checkpoint.PARAMETERS_FILE, buffer.toByteArray(), "application/octet-stream");
        for (Map.Entry<String, byte[]> extra : extras.entrySet()) {
            String file = requireName(extra.getKey(), "file");
            if (file.equals(Checkpoint.MANIFEST_FILE) || file.equals(Checkpoint.PARAMETERS_FILE)) {
                throw new IllegalArgumentException(file + " is written by the store itself");
            }
            put(prefix + file, extra.getValue(), contentType(file));
        }
        put(prefix + Checkpoint.MANIFEST_FILE, sealed.toJson(), "application/json");
        return sealed;
    }

    /**
     * Copies a checkpoint directory in as a version of its manifest's model, byte for byte and without loading it
     * (the caller verifies it first, e.g. with {@link Checkpoint#read(Path)}): parameters, then its PNG files, then
     * the manifest, as {@link #putVersion} writes. A version that exists already is left as it is. Returns the
     * directory's manifest.
     */
    public CheckpointManifest putCheckpointDirectory(Path dir) throws IOException {
        CheckpointManifest manifest = Checkpoint.readManifest(dir);
        String prefix = versionPrefix(manifest.modelName(), manifest.versionId());
        if (exists(prefix + Checkpoint.MANIFEST_FILE)) {
            return manifest;
        }
        put(prefix + Checkpoint.PARAMETERS_FILE, Files.readAllBytes(dir.resolve(Checkpoint.PARAMETERS_FILE)),
                "application/octet-stream");
        try (var files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".png")).sorted().toList()) {
                putVersionFile(manifest.modelName(), manifest.versionId(), file.getFileName().toString(),
                        Files.readAllBytes(file));
            }
        }
        put(prefix + Checkpoint.MANIFEST_FILE, Files.readAllBytes(dir.resolve(Checkpoint.MANIFEST_FILE)),
                "application/json");
        return manifest;
    }

    /** Adds or replaces a small file beside a version (e.g. its evaluation); never the manifest or parameters. */
    public void putVersionFile(String model, String version, String file, byte[] bytes) {
        requireName(file, "file");
        if (file.equals(Checkpoint.MANIFEST_FILE) || file.equals(Checkpoint.PARAMETERS_FILE)) {
            throw new IllegalArgumentException(file + " of a version is immutable");
        }
        put(versionPrefix(model, version) + file, bytes, contentType(file));
    }

    public Optional<byte[]> getVersionFile(String model, String version, String file) {
        return get(versionPrefix(model, version) + requireName(file, "file"));
    }

    /** Makes a version live. The version must be complete. */
    public void setLive(LivePointer pointer) {
        if (!exists(versionPrefix(pointer.model(), pointer.version()) + Checkpoint.MANIFEST_FILE)) {
            throw new IllegalStateException("cannot make " + pointer.model() + "/" + pointer.version()
                    + " live: the version has no manifest");
        }
        put(pointerKey(pointer.model()), Contracts.encode(pointer).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                "application/json");
    }

    public Optional<LivePointer> live(String model) {
        return get(pointerKey(model)).map(bytes -> Contracts.decode(
                new String(bytes, java.nio.charset.StandardCharsets.UTF_8), LivePointer.class));
    }

    public Optional<CheckpointManifest> manifest(String model, String version) {
        return get(versionPrefix(model, version) + Checkpoint.MANIFEST_FILE).map(CheckpointManifest::fromJson);
    }

    /**
     * Downloads and verifies a version (checksum, table, and the architecture and schedule when given).
     * Throws {@link CheckpointException} when it is incomplete, corrupt or does not match.
     */
    public LoadedCheckpoint fetch(String model, String version, Architecture expected, NoiseSchedule schedule) {
        String prefix = versionPrefix(model, version);
        byte[] manifest = get(prefix + Checkpoint.MANIFEST_FILE).orElseThrow(() -> new CheckpointException(
                "version " + version + " of " + model + " does not exist (no " + prefix + Checkpoint.MANIFEST_FILE + ")"));
        CheckpointManifest parsed = CheckpointManifest.fromJson(manifest);
        parsed.requireCompatible(expected, schedule);
        long size = objects.size(prefix + Checkpoint.PARAMETERS_FILE).orElseThrow(() -> new CheckpointException(
                "version " + version + " of " + model + " has a manifest but no " + Checkpoint.PARAMETERS_FILE));
        if (size != parsed.parametersFileSize()) {
            // Checked before reading so a damaged object never makes us allocate what the manifest claims.
            throw new CheckpointException(prefix + Checkpoint.PARAMETERS_FILE + " has " + size
                    + " bytes, the manifest describes " + parsed.parametersFileSize());
        }
        return objects.read(prefix + Checkpoint.PARAMETERS_FILE, in -> Checkpoint.read(manifest, in, expected, schedule));
    }

    /** Complete versions of a model (those with a manifest), oldest first by version id. */
    public List<CheckpointManifest> versions(String model) {
        String prefix = modelPrefix(model) + "versions/";
        List<CheckpointManifest> out = new ArrayList<>();
        for (String key : list(prefix)) {
            if (key.endsWith("/" + Checkpoint.MANIFEST_FILE)) {
                get(key).map(CheckpointManifest::fromJson).ifPresent(out::add);
            }
        }
        out.sort(Comparator.comparing(CheckpointManifest::versionId));
        return out;
    }

    /** Model names that have at least one object in the store. */
    public List<String> models() {
        List<String> out = new ArrayList<>();
        for (String dir : objects.children("models/")) {
            out.add(dir.substring("models/".length()).replaceAll("/$", ""));
        }
        return out;
    }

    /**
     * Deletes a version, manifest first so that readers stop seeing it before its parameters go. The live
     * version cannot be deleted.
     */
    public void deleteVersion(String model, String version) {
        live(model).ifPresent(p -> {
            if (p.version().equals(version)) {
                throw new IllegalStateException("version " + version + " of " + model + " is live");
            }
        });
        String prefix = versionPrefix(model, version);
        remove(prefix + Checkpoint.MANIFEST_FILE);
        for (String key : list(prefix)) {
            remove(key);
        }
    }

    public Optional<byte[]> get(String key) {
        return objects.get(key);
    }

    public void put(String key, byte[] bytes, String contentType) {
        objects.put(key, bytes, contentType);
    }

    public boolean exists(String key) {
        return objects.exists(key);
    }

    /** Keys of every object under a prefix, in key order. */
    public List<String> list(String prefix) {
        return objects.list(prefix).stream().map(Bucket.Entry::key).toList();
    }

    /** Deletes one object; a missing object is not an error. */
    public void remove(String key) {
        objects.remove(key);
    }

    private static String contentType(String file) {
        if (file.endsWith(".png")) {
            return "image/png";
        }
        if (file.endsWith(".json")) {
            return "application/json";
        }
        return "application/octet-stream";
    }

    /** The store could not be reached or refused an operation. */
    public static final class StoreException extends RuntimeException {
        public StoreException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
