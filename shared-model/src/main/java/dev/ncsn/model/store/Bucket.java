package dev.ncsn.model.store;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.Item;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Plain object access to one bucket of an S3-compatible store: what {@link ModelStore} builds its layout on, and what
 * services use for objects that are not model versions (datasets, run records, training state). A missing object is
 * an empty result, not an error; every other failure is a {@link ModelStore.StoreException} naming the bucket and the
 * operation.
 */
public final class Bucket {

    private final MinioClient client;
    private final String name;

    public Bucket(MinioClient client, String name) {
        this.client = client;
        this.name = name;
    }

    public MinioClient client() {
        return client;
    }

    public String name() {
        return name;
    }

    /** An object under a prefix: its key and size. */
    public record Entry(String key, long size) {
    }

    /** Every object under {@code prefix}, at any depth, in key order. */
    public List<Entry> list(String prefix) {
        List<Entry> out = new ArrayList<>();
        call(() -> {
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(name).prefix(prefix)
                    .recursive(true).build())) {
                Item item = r.get();
                if (!item.isDir()) {
                    out.add(new Entry(item.objectName(), item.size()));
                }
            }
            return null;
        }, "list " + prefix);
        out.sort(Comparator.comparing(Entry::key));
        return out;
    }

    /** Whether any object exists under {@code prefix}. */
    public boolean hasAny(String prefix) {
        return call(() -> {
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(name).prefix(prefix)
                    .recursive(true).maxKeys(1).build())) {
                r.get();
                return true;
            }
            return false;
        }, "list " + prefix);
    }

    /** Whether the bucket exists (and the store answers). */
    public boolean bucketExists() {
        return call(() -> client.bucketExists(BucketExistsArgs.builder().bucket(name).build()), "check bucket " + name);
    }

    /** Creates the bucket unless it exists. */
    public void ensureExists() {
        call(() -> {
            if (!client.bucketExists(BucketExistsArgs.builder().bucket(name).build())) {
                client.makeBucket(MakeBucketArgs.builder().bucket(name).build());
            }
            return null;
        }, "create bucket " + name);
    }

    /** The "directories" directly under {@code prefix} (common prefixes ending in '/'), in key order. */
    public List<String> children(String prefix) {
        List<String> out = new ArrayList<>();
        call(() -> {
            for (Result<Item> r : client.listObjects(ListObjectsArgs.builder().bucket(name).prefix(prefix)
                    .recursive(false).build())) {
                Item item = r.get();
                if (item.isDir()) {
                    out.add(item.objectName());
                }
            }
            return null;
        }, "list " + prefix);
        out.sort(null);
        return out;
    }

    public boolean exists(String key) {
        return size(key).isPresent();
    }

    /** The size of an object in bytes, if it exists. */
    public Optional<Long> size(String key) {
        return call(() -> {
            try {
                return Optional.of(client.statObject(StatObjectArgs.builder().bucket(name).object(key).build()).size());
            } catch (ErrorResponseException e) {
                if (isMissing(e)) {
                    return Optional.<Long>empty();
                }
                throw e;
            }
        }, "stat " + key);
    }

    public Optional<byte[]> get(String key) {
        return call(() -> {
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(name).object(key).build())) {
                return Optional.of(in.readAllBytes());
            } catch (ErrorResponseException e) {
                if (isMissing(e)) {
                    return Optional.<byte[]>empty();
                }
                throw e;
            }
        }, "get " + key);
    }

    /** Streams one object to {@code reader}, which must not close the stream itself. */
    public <T> T read(String key, StreamReader<T> reader) {
        return call(() -> {
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(name).object(key).build())) {
                return reader.read(in);
            }
        }, "read " + key);
    }

    /** Downloads one object to a file (replacing it). */
    public void download(String key, Path file) {
        call(() -> {
            Files.createDirectories(file.getParent());
            try (InputStream in = client.getObject(GetObjectArgs.builder().bucket(name).object(key).build())) {
                Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            return null;
        }, "download " + key);
    }

    public void put(String key, byte[] bytes, String contentType) {
        call(() -> client.putObject(PutObjectArgs.builder().bucket(name).object(key)
                .stream(new ByteArrayInputStream(bytes), (long) bytes.length, -1L).contentType(contentType).build()),
                "put " + key);
    }

    /** Uploads a file (streamed, not read into memory). */
    public void upload(Path file, String key) {
        call(() -> {
            long size = Files.size(file);
            try (InputStream in = Files.newInputStream(file)) {
                client.putObject(PutObjectArgs.builder().bucket(name).object(key).stream(in, size, -1L)
                        .contentType("application/octet-stream").build());
            }
            return null;
        }, "upload " + file + " to " + key);
    }

    public void remove(String key) {
        call(() -> {
            client.removeObject(RemoveObjectArgs.builder().bucket(name).object(key).build());
            return null;
        }, "delete " + key);
    }

    /** Deletes every object under a prefix. */
    public void removeAll(String prefix) {
        for (Entry e : list(prefix)) {
            remove(e.key());
        }
    }

    private static boolean isMissing(ErrorResponseException e) {
        String code = e.errorResponse() == null ? "" : e.errorResponse().code();
        return "NoSuchKey".equals(code) || "NoSuchObject".equals(code) || "NotFound".equals(code)
                || (e.response() != null && e.response().code() == 404);
    }

    @FunctionalInterface
    public interface StreamReader<T> {
        T read(InputStream in) throws Exception;
    }

    @FunctionalInterface
    private interface Call<T> {
        T run() throws Exception;
    }

    private <T> T call(Call<T> action, String what) {
        try {
            return action.run();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new ModelStore.StoreException("S3 store (bucket " + name + "): cannot " + what + ": "
                    + e.getMessage(), e);
        }
    }
}
