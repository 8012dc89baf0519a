package dev.ncsn.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.net.Architecture;

import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Writing and reading checkpoints: the one format the trainer, the sampler and the tools share.
 *
 * <h2>Layout</h2>
 * A checkpoint is a directory (or an object-store prefix) holding two files:
 * <ul>
 *   <li>{@value #MANIFEST_FILE}: the {@link CheckpointManifest} as UTF-8 JSON, including the SHA-256 of
 *       {@code parameters.bin} and the parameter table (name, shape, dtype, byte offset of every tensor);</li>
 *   <li>{@value #PARAMETERS_FILE}: the parameter values, nothing else.</li>
 * </ul>
 *
 * <h2>{@code parameters.bin}, format version 1</h2>
 * The tensors of the parameter table, in table order, packed back to back with no header, padding or separators.
 * Each tensor is its elements in row-major (C) order, each element an IEEE 754 float32 in little-endian byte order.
 * A tensor's byte offset is the sum of the sizes (4 × element count) of those before it, and the file size is the sum
 * of all of them. In numpy, a tensor is
 * {@code np.frombuffer(data, dtype='<f4', count=prod(shape), offset=offset).reshape(shape)}.
 *
 * <p>Why raw float32 rather than DJL's {@code NDList} encoding: the raw layout is specified entirely by this comment
 * and the manifest, so any language reads it without DJL (numpy, a Python eval script, a shell {@code sha256sum}),
 * and it cannot change under us when DJL changes its encoding. It needs no Java serialization. Names, shapes and
 * dtypes live in the JSON manifest, which is readable, diffable and checked before the (large) values are read.
 * Bit-exact: the float bits are copied, so NaN payloads and signed zeros survive a round trip.
 *
 * <h2>Integrity</h2>
 * Reading checks, in this order, and fails with a {@link CheckpointException} saying what is wrong: the format
 * version, the required manifest fields, the table (float32 only, unique names, contiguous offsets), the expected
 * architecture and schedule when the caller gives them, the file length (truncated or trailing bytes) and the
 * SHA-256. {@link LoadedCheckpoint#loadInto} then checks names and shapes against the model exactly.
 *
 * <h2>Atomicity</h2>
 * {@link #write(Path, CheckpointManifest, Map)} writes both files into a hidden sibling directory, syncs them, and
 * renames it to the target, so a reader sees either no checkpoint or a complete one. An object store has no rename:
 * upload {@code parameters.bin} first and {@code manifest.json} last, and treat a prefix without a manifest as absent.
 */
public final class Checkpoint {

    public static final String MANIFEST_FILE = "manifest.json";
    public static final String PARAMETERS_FILE = "parameters.bin";

    private static final int CHUNK_FLOATS = 16 * 1024;

    private Checkpoint() {
    }

    // ---------------------------------------------------------------------------------------------------- writing

    /**
     * Writes a checkpoint directory atomically.
     *
     * @param dir        the checkpoint directory to create; it must not exist, or be empty (it is then replaced). Its
     *                   parent is created if needed.
     * @param meta       the manifest without checksum and table (any it has are replaced)
     * @param parameters float32 arrays by name, in the order to store them (use the model's {@code parameters()})
     * @return the sealed manifest that was written
     * @throws CheckpointException if the directory exists and is not empty, a parameter is not float32, or on I/O error
     */
    public static CheckpointManifest write(Path dir, CheckpointManifest meta, Map<String, NDArray> parameters) {
        Path target = dir.toAbsolutePath().normalize();
        Path parent = target.getParent();
        if (parent == null) {
            throw new CheckpointException("cannot write a checkpoint to the file-system root");
        }
        Objects.requireNonNull(meta, "meta");
        List<ParameterPlan> plan = plan(parameters); // validate before touching the disk
        Path tmp = null;
        try {
            Files.createDirectories(parent);
            requireAbsentOrEmpty(target);
            tmp = parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
            Files.createDirectory(tmp);
            CheckpointManifest sealed;
            try (FileChannel ch = FileChannel.open(tmp.resolve(PARAMETERS_FILE), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                sealed = writeParameters(meta, plan, out);
                out.flush();
                ch.force(true);
            }
            try (FileChannel ch = FileChannel.open(tmp.resolve(MANIFEST_FILE), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                ByteBuffer json = ByteBuffer.wrap(sealed.toJson());
                while (json.hasRemaining()) {
                    ch.write(json);
                }
                ch.force(true);
            }
            if (Files.isDirectory(target)) {
                Files.delete(target); // empty, checked above; fails if someone filled it meanwhile
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw new CheckpointException("cannot write checkpoint " + target
                        + " atomically: the file system cannot rename " + tmp + " onto it", e);
            }
            tmp = null;
            syncDirectory(parent);
            return sealed;
        } catch (IOException e) {
            throw new CheckpointException("cannot write checkpoint " + target + ": " + e, e);
        } finally {
            if (tmp != null) {
                deleteQuietly(tmp);
            }
        }
    }

    /**
     * Writes the bytes of {@code parameters.bin} to a stream (for object stores), and returns the sealed manifest,
     * whose {@link CheckpointManifest#toJson()} is the matching {@code manifest.json}. The stream is not closed.
     */
    public static CheckpointManifest writeParameters(CheckpointManifest meta, Map<String, NDArray> parameters,
                                                     OutputStream out) {
        Objects.requireNonNull(meta, "meta");
        List<ParameterPlan> plan = plan(parameters);
        try {
            return writeParameters(meta, plan, out);
        } catch (IOException e) {
            throw new CheckpointException("cannot write " + PARAMETERS_FILE + ": " + e, e);
        }
    }

    private record ParameterPlan(String name, NDArray array, CheckpointManifest.ParameterEntry entry) {
    }

    private static List<ParameterPlan> plan(Map<String, NDArray> parameters) {
        if (parameters == null || parameters.isEmpty()) {
            throw new CheckpointException("a checkpoint needs at least one parameter");
        }
        List<ParameterPlan> plan = new ArrayList<>(parameters.size());
        long offset = 0;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            String name = e.getKey();
            NDArray array = e.getValue();
            if (name == null || name.isBlank()) {
                throw new CheckpointException("a parameter has a blank name");
            }
            if (array == null) {
                throw new CheckpointException("parameter " + name + " is null");
            }
            if (array.getDataType() != DataType.FLOAT32) {
                throw new CheckpointException("parameter " + name + " is " + array.getDataType()
                        + "; checkpoints store float32 only");
            }
            if (array.size() > Integer.MAX_VALUE - 8) {
                throw new CheckpointException("parameter " + name + " has " + array.size()
                        + " elements, more than one Java array holds");
            }
            CheckpointManifest.ParameterEntry entry = CheckpointManifest.ParameterEntry.float32(name,
                    array.getShape(), offset);
            offset += entry.byteLength();
            plan.add(new ParameterPlan(name, array, entry));
        }
        return plan;
    }

    private static CheckpointManifest writeParameters(CheckpointManifest meta, List<ParameterPlan> plan,
                                                      OutputStream out) throws IOException {
        MessageDigest sha = sha256();
        DigestOutputStream digestOut = new DigestOutputStream(out, sha);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        List<CheckpointManifest.ParameterEntry> table = new ArrayList<>(plan.size());
        for (ParameterPlan p : plan) {
            float[] values = p.array().toFloatArray();
            for (int start = 0; start < values.length; start += CHUNK_FLOATS) {
                int n = Math.min(CHUNK_FLOATS, values.length - start);
                chunk.clear();
                for (int i = 0; i < n; i++) {
                    chunk.putInt(Float.floatToRawIntBits(values[start + i]));
                }
                digestOut.write(chunk.array(), 0, n * Float.BYTES);
            }
            table.add(p.entry());
        }
        digestOut.flush();
        return meta.sealed(HexFormat.of().formatHex(sha.digest()), table);
    }

    // ---------------------------------------------------------------------------------------------------- reading

    /** Reads just the manifest of a checkpoint directory (cheap: for listings, or to check before loading). */
    public static CheckpointManifest readManifest(Path dir) {
        Path file = dir.resolve(MANIFEST_FILE);
        try {
            return CheckpointManifest.fromJson(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new CheckpointException("no " + MANIFEST_FILE + " in " + dir
                    + ": not a checkpoint directory, or an incomplete one", e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e, e);
        }
    }

    /** Reads and verifies a checkpoint directory. */
    public static LoadedCheckpoint read(Path dir) {
        return read(dir, null, null);
    }

    /**
     * Reads and verifies a checkpoint directory, first checking that it was made for this architecture and schedule
     * (a null one is not checked), so that a wrong checkpoint fails before its parameters are read.
     */
    public static LoadedCheckpoint read(Path dir, Architecture expectedArchitecture, NoiseSchedule expectedSchedule) {
        CheckpointManifest manifest = readManifest(dir);
        manifest.requireCompatible(expectedArchitecture, expectedSchedule);
        Path file = dir.resolve(PARAMETERS_FILE);
        try (InputStream in = Files.newInputStream(file)) {
            // Cheap length check first, so that a damaged file fails before anything is allocated for it.
            long size = Files.size(file);
            long expected = manifest.parametersFileSize();
            if (size < expected) {
                throw new CheckpointException(PARAMETERS_FILE + " is truncated: the parameter table describes "
                        + expected + " bytes, the file has " + size);
            }
            if (size > expected) {
                throw trailing(expected, size);
            }
            return readParameters(manifest, in);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("no " + PARAMETERS_FILE + " in " + dir + " although it has a "
                    + MANIFEST_FILE, e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + file + ": " + e, e);
        }
    }

    /**
     * Reads and verifies a checkpoint fetched as bytes, e.g. from an object store. The stream is read to its end but
     * not closed.
     */
    public static LoadedCheckpoint read(byte[] manifestJson, InputStream parameters) {
        return read(manifestJson, parameters, null, null);
    }

    /** As {@link #read(byte[], InputStream)}, first checking architecture and schedule (null: not checked). */
    public static LoadedCheckpoint read(byte[] manifestJson, InputStream parameters,
                                        Architecture expectedArchitecture, NoiseSchedule expectedSchedule) {
        CheckpointManifest manifest = CheckpointManifest.fromJson(manifestJson);
        manifest.requireCompatible(expectedArchitecture, expectedSchedule);
        try {
            return readParameters(manifest, parameters);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + PARAMETERS_FILE + ": " + e, e);
        }
    }

    /**
     * Decodes {@code parameters.bin} as the manifest describes it, streaming: the SHA-256 is computed while the
     * values are decoded, and nothing is returned unless length and checksum both match.
     */
    static LoadedCheckpoint readParameters(CheckpointManifest manifest, InputStream raw) throws IOException {
        if (!manifest.hasParameterFile()) {
            throw new CheckpointException("the manifest of " + manifest.versionId()
                    + " has no checksum or parameter table");
        }
        long expectedSize = manifest.parametersFileSize();
        MessageDigest sha = sha256();
        InputStream in = new DigestInputStream(raw, sha);
        byte[] buffer = new byte[CHUNK_FLOATS * Float.BYTES];
        ByteBuffer view = ByteBuffer.wrap(buffer).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, LoadedCheckpoint.Tensor> tensors = new LinkedHashMap<>();
        long position = 0;
        for (CheckpointManifest.ParameterEntry entry : manifest.parameterTable()) {
            long count = entry.elementCount();
            if (count > Integer.MAX_VALUE - 8) {
                throw new CheckpointException("parameter " + entry.name() + " has " + count
                        + " elements, more than one Java array holds");
            }
            float[] values = new float[(int) count];
            int done = 0;
            while (done < values.length) {
                int n = Math.min(CHUNK_FLOATS, values.length - done);
                int got = in.readNBytes(buffer, 0, n * Float.BYTES);
                position += got;
                if (got < n * Float.BYTES) {
                    throw truncated(expectedSize, position, entry.name());
                }
                for (int i = 0; i < n; i++) {
                    values[done + i] = Float.intBitsToFloat(view.getInt(i * Float.BYTES));
                }
                done += n;
            }
            tensors.put(entry.name(), new LoadedCheckpoint.Tensor(entry.toShape(), values));
        }
        long trailing = 0;
        int got;
        while ((got = in.read(buffer)) > 0) {
            trailing += got;
        }
        if (trailing > 0) {
            throw trailing(expectedSize, expectedSize + trailing);
        }
        String actual = HexFormat.of().formatHex(sha.digest());
        if (!actual.equals(manifest.parametersSha256())) {
            throw new CheckpointException("checksum mismatch for " + PARAMETERS_FILE + ": manifest says "
                    + manifest.parametersSha256() + ", file has " + actual);
        }
        return new LoadedCheckpoint(manifest, tensors);
    }

    private static CheckpointException trailing(long expectedSize, long actualSize) {
        return new CheckpointException(PARAMETERS_FILE + " has " + actualSize
                + " bytes but the parameter table describes " + expectedSize
                + ": trailing data, or a manifest that belongs to another parameters file");
    }

    private static CheckpointException truncated(long expectedSize, long actualSize, String inParameter) {
        return new CheckpointException(PARAMETERS_FILE + " is truncated: the parameter table describes "
                + expectedSize + " bytes, the file ends after " + actualSize + " (inside parameter " + inParameter
                + ")", new EOFException());
    }

    // ---------------------------------------------------------------------------------------------------- helpers

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    private static void requireAbsentOrEmpty(Path target) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        if (!Files.isDirectory(target)) {
            throw new CheckpointException("cannot write checkpoint " + target + ": a file of that name exists");
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
            if (entries.iterator().hasNext()) {
                throw new CheckpointException("cannot write checkpoint " + target
                        + ": the directory exists and is not empty (checkpoints are immutable; use a new version id)");
            }
        }
    }

    private static void syncDirectory(Path dir) {
        // Makes the rename durable on Linux; other platforms cannot open directories, and the rename is done anyway.
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // best effort
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // leave it; a later cleanup may remove hidden .tmp- directories
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // nothing more to do
        }
    }
}
