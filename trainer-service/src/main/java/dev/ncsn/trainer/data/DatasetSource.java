package dev.ncsn.trainer.data;

import dev.ncsn.model.data.ByteDataset;
import dev.ncsn.model.data.Cifar10Reader;
import dev.ncsn.model.data.DatasetException;
import dev.ncsn.model.data.Datasets;
import dev.ncsn.model.data.ImageFolderReader;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.store.Bucket;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a run's training and held-out images from a {@link DatasetRef}: a local path, or objects of the bucket
 * streamed straight into shared-model's readers (nothing is written to disk).
 *
 * <p><b>Objects under a prefix</b> (a {@code prefix} source, or a dataset version's {@code datasets/NAME/vN/}) are
 * sorted by key and classified by name:
 * <ul>
 *   <li>{@code *.png}, {@code *.jpg}, {@code *.jpeg}: images (as {@code ImageFolderReader}, ordered by their key);</li>
 *   <li>{@code *.bin}: CIFAR-10 binary batches;</li>
 *   <li>names containing {@code idx3-ubyte} (gzip'd or not): MNIST-style IDX images;</li>
 *   <li>IDX labels ({@code *labels-idx1*}), {@code dataset.json}, {@code *.json}, {@code *.txt}, {@code *.md},
 *       {@code *.csv} and anything else: ignored.</li>
 * </ul>
 * An object is <b>held out</b> when a folder on its path is named {@code heldout} or {@code test}, or its file
 * name starts with {@code t10k-} (MNIST's test split) or is {@code test_batch.bin} (CIFAR-10's); the others are
 * training data. Each of the two groups must hold one kind of data; several objects of a kind are concatenated in
 * key order.
 *
 * <p><b>A local path</b> must lie under one of the trainer's {@link DataRoots}; it is read by {@code Datasets.open}; its held-out part is MNIST's t10k split, CIFAR-10's
 * test batch or a {@code heldout/} sub-directory when the directory has one.
 *
 * <p><b>Without a held-out part</b> (and no separate held-out source), the last images of the training data are
 * held out: {@code min(heldOutSize, size / 5)} of them, and they are not trained on.
 */
public final class DatasetSource {

    private static final Logger LOG = Logger.getLogger(DatasetSource.class);

    private final Bucket bucket;
    private final DataRoots roots;

    /** @param roots where local data may come from; checked at every read (a resumed run's too) */
    public DatasetSource(Bucket bucket, DataRoots roots) {
        this.bucket = bucket;
        this.roots = roots;
    }

    public DataRoots roots() {
        return roots;
    }

    /** Training images, held-out images (for the promotion gate) and where each came from. */
    public record TrainingData(ByteDataset train, ByteDataset heldOut, String heldOutOrigin, DatasetRef ref) {

        public TrainingData {
            if (train.channels() != heldOut.channels() || train.height() != heldOut.height()
                    || train.width() != heldOut.width()) {
                throw new DatasetException("held-out images (" + heldOut + ") do not have the training images' "
                        + "shape (" + train + ")");
            }
        }
    }

    /**
     * Loads a resolved reference (no "latest"). {@code heldOutRef}, when given, supplies the held-out images (its
     * held-out part if it has one, else all of it) instead of the data's own.
     */
    public TrainingData load(DatasetRef ref, DatasetRef heldOutRef, int heldOutSize) {
        if (ref.isLatest() || (heldOutRef != null && heldOutRef.isLatest())) {
            throw new IllegalArgumentException("resolve \"latest\" with DatasetCatalog.resolve first");
        }
        Parts parts = read("data", ref);
        if (heldOutRef != null) {
            Parts other = read("heldOut", heldOutRef);
            ByteDataset heldOut = other.heldOut != null ? other.heldOut : other.train;
            if (heldOut == null) {
                throw new DatasetException("no images in the held-out source " + heldOutRef);
            }
            return new TrainingData(requireTrain(parts, ref), heldOut, heldOutRef.toString(), ref);
        }
        ByteDataset train = requireTrain(parts, ref);
        if (parts.heldOut != null) {
            return new TrainingData(train, parts.heldOut, parts.heldOut.source(), ref);
        }
        if (train.size() < 2) {
            throw new DatasetException(ref + " has " + train.size() + " image(s): too few to hold some out for the "
                    + "promotion gate; add a held-out part or a separate held-out source");
        }
        int n = Math.max(1, Math.min(heldOutSize, train.size() / 5));
        return new TrainingData(train.slice(0, train.size() - n), train.slice(train.size() - n, train.size()),
                "the last " + n + " images of " + ref, ref);
    }

    private static ByteDataset requireTrain(Parts parts, DatasetRef ref) {
        if (parts.train == null) {
            throw new DatasetException(ref + " has no training images (only held-out ones)");
        }
        return parts.train;
    }

    private record Parts(ByteDataset train, ByteDataset heldOut) {
    }

    private Parts read(String field, DatasetRef ref) {
        if (ref.path() != null) {
            return readLocal(roots.require(field, ref.path()));
        }
        String prefix = ref.prefix() != null ? ref.prefix()
                : DatasetCatalog.prefix(ref.dataset(), ref.versionNumber());
        return readObjects(prefix, ref);
    }

    private static Parts readLocal(Path path) {
        ByteDataset train = Datasets.open(path);
        if (!Files.isDirectory(path)) {
            return new Parts(train, null);
        }
        ByteDataset heldOut = null;
        if (hasFile(path, "t10k-images-idx3-ubyte.gz", "t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte")) {
            heldOut = MnistReader.read(path, "t10k");
        } else if (hasFile(path, Cifar10Reader.TEST_FILE)
                || hasFile(path.resolve(Cifar10Reader.ARCHIVE_DIRECTORY), Cifar10Reader.TEST_FILE)) {
            heldOut = Cifar10Reader.readTest(path);
        } else if (Files.isDirectory(path.resolve("heldout"))) {
            heldOut = Datasets.open(path.resolve("heldout"));
        }
        return new Parts(train, heldOut);
    }

    private static boolean hasFile(Path dir, String... names) {
        for (String n : names) {
            if (Files.isRegularFile(dir.resolve(n))) {
                return true;
            }
        }
        return false;
    }

    enum Kind { IMAGES, CIFAR, IDX }

    private Parts readObjects(String prefix, DatasetRef ref) {
        Map<Kind, List<String>> train = new TreeMap<>();
        Map<Kind, List<String>> heldOut = new TreeMap<>();
        List<String> ignored = new ArrayList<>();
        for (Bucket.Entry e : bucket.list(prefix)) {
            String relative = e.key().substring(prefix.length());
            Kind kind = kindOf(relative);
            if (kind == null) {
                ignored.add(relative);
                continue;
            }
            (isHeldOut(relative) ? heldOut : train).computeIfAbsent(kind, k -> new ArrayList<>()).add(e.key());
        }
        if (train.isEmpty() && heldOut.isEmpty()) {
            throw new DatasetException("no training data under s3://" + bucket.name() + "/" + prefix + ": looked for "
                    + "IDX images (*idx3-ubyte[.gz]), CIFAR-10 batches (*.bin) or images (*.png, *.jpg, *.jpeg)"
                    + (ignored.isEmpty() ? "; the prefix is empty" : "; found only " + summary(ignored)));
        }
        if (!ignored.isEmpty()) {
            LOG.debugf("%s: ignoring %s", ref, summary(ignored));
        }
        return new Parts(readGroup(train, prefix, ref + " (training part)"),
                readGroup(heldOut, prefix, ref + " (held-out part)"));
    }

    private static String summary(List<String> names) {
        return names.size() <= 5 ? String.join(", ", names)
                : String.join(", ", names.subList(0, 5)) + " and " + (names.size() - 5) + " more";
    }

    private ByteDataset readGroup(Map<Kind, List<String>> group, String prefix, String what) {
        if (group.isEmpty()) {
            return null;
        }
        if (group.size() > 1) {
            throw new DatasetException(what + " is ambiguous: it mixes " + group.keySet().stream()
                    .map(k -> k.name().toLowerCase(Locale.ROOT)).toList() + " objects; keep one kind per dataset");
        }
        Kind kind = group.keySet().iterator().next();
        List<String> keys = group.get(kind);
        String source = "s3://" + bucket.name() + "/" + prefix;
        if (kind == Kind.IMAGES) {
            ImageFolderReader.Builder builder = ImageFolderReader.builder(ImageFolderReader.Options.none());
            for (String key : keys) {
                bucket.read(key, in -> builder.add(key.substring(prefix.length()), in));
            }
            return builder.build(source);
        }
        List<ByteDataset> parts = new ArrayList<>();
        for (String key : keys) {
            parts.add(bucket.read(key, in -> Datasets.read(in, key)));
        }
        return parts.size() == 1 ? parts.get(0) : ByteDataset.concat(source, parts);
    }

    static Kind kindOf(String relative) {
        String name = relative.substring(relative.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        if (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return Kind.IMAGES;
        }
        if (name.endsWith(".bin")) {
            return Kind.CIFAR;
        }
        if (name.contains("idx3-ubyte")) {
            return Kind.IDX;
        }
        return null;
    }

    static boolean isHeldOut(String relative) {
        String[] parts = relative.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            String folder = parts[i].toLowerCase(Locale.ROOT);
            if (folder.equals("heldout") || folder.equals("test")) {
                return true;
            }
        }
        String name = parts[parts.length - 1].toLowerCase(Locale.ROOT);
        return name.startsWith("t10k-") || name.equals(Cifar10Reader.TEST_FILE);
    }
}
