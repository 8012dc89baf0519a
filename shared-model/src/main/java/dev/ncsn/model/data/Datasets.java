package dev.ncsn.model.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Opens training data of any supported format, telling the format from the files. */
public final class Datasets {

    /** What {@link #open(Path)} looks for, for messages. */
    public static final String LOOKED_FOR = "MNIST-style IDX images (" + String.join(", ", MnistReader.TRAIN_FILES)
            + " or *-images-idx3-ubyte[.gz]), CIFAR-10 binary batches (data_batch_<n>.bin, directly or in "
            + Cifar10Reader.ARCHIVE_DIRECTORY + "/), or a folder of images (*.png, *.jpg, *.jpeg)";

    private Datasets() {
    }

    /** {@link #open(Path, ImageFolderReader.Options)} with images as they are. */
    public static ByteDataset open(Path path) {
        return open(path, ImageFolderReader.Options.none());
    }

    /**
     * Opens {@code path}:
     * <ul>
     *   <li>a file: MNIST IDX images if it starts with the IDX images magic (after gunzip when gzip'd), else a
     *       CIFAR-10 batch if its name ends in {@code .bin};</li>
     *   <li>a directory: the MNIST training images in it ({@link MnistReader#read(Path)}), else its CIFAR-10
     *       training batches ({@link Cifar10Reader#read(Path)}), else its images ({@link ImageFolderReader},
     *       preprocessed by {@code imageOptions}, which only apply to images).</li>
     * </ul>
     * A directory holding more than one of these is rejected as ambiguous; one holding none, with a message
     * listing what was looked for and what is there.
     */
    public static ByteDataset open(Path path, ImageFolderReader.Options imageOptions) {
        if (!Files.exists(path)) {
            throw new DatasetException("no such file or directory: " + path);
        }
        if (!Files.isDirectory(path)) {
            return openFile(path);
        }
        List<String> kinds = new ArrayList<>();
        boolean mnist = !MnistReader.imageFiles(path).isEmpty();
        boolean cifar = !Cifar10Reader.trainBatches(path).isEmpty();
        boolean images = !ImageFolderReader.imageFiles(path).isEmpty();
        if (mnist) {
            kinds.add("MNIST IDX images");
        }
        if (cifar) {
            kinds.add("CIFAR-10 batches");
        }
        if (images) {
            kinds.add("image files");
        }
        if (kinds.size() > 1) {
            throw new DatasetException(path + " is ambiguous: it holds " + String.join(" and ", kinds)
                    + "; pass a file, or a directory with one kind of data");
        }
        if (mnist) {
            return MnistReader.read(path);
        }
        if (cifar) {
            return Cifar10Reader.read(path);
        }
        if (images) {
            return ImageFolderReader.read(path, imageOptions);
        }
        throw new DatasetException("no training data in " + path + ": looked for " + LOOKED_FOR + "; "
                + DataFiles.describeContents(path, 10));
    }

    /**
     * Reads one stream, e.g. an object from a store: IDX images if it starts with their magic (gzip'd or not),
     * else a CIFAR-10 batch if {@code name} ends in {@code .bin}. {@code name} names it in messages.
     */
    public static ByteDataset read(InputStream in, String name) {
        try {
            var buffered = DataFiles.buffered(in);
            byte[] head = DataFiles.peek(buffered, 4);
            if (DataFiles.isGzip(head) || looksLikeIdx(head)) {
                return MnistReader.read(buffered, name);
            }
            if (name.toLowerCase(Locale.ROOT).endsWith(".bin")) {
                return Cifar10Reader.read(buffered, name);
            }
            throw new DatasetException(name + " is neither IDX images (magic 00 00 08 03, optionally gzip'd) nor a "
                    + "CIFAR-10 batch (*.bin); it starts with " + DataFiles.hex(head, 4));
        } catch (IOException e) {
            throw new DatasetException("cannot read " + name + ": " + e, e);
        }
    }

    private static ByteDataset openFile(Path file) {
        String lower = DataFiles.lowerName(file);
        byte[] head = DataFiles.head(file, 4);
        if (looksLikeIdx(head)) {
            return MnistReader.read(file);
        }
        if (lower.endsWith(".bin")) {
            return Cifar10Reader.read(file);
        }
        int dot = lower.lastIndexOf('.');
        if (dot >= 0 && ImageFolderReader.EXTENSIONS.contains(lower.substring(dot + 1))) {
            throw new DatasetException(file + " is a single image; pass the folder of images");
        }
        throw new DatasetException(file + " is not training data: looked for " + LOOKED_FOR + "; the file starts "
                + "with " + DataFiles.hex(head, 4) + (isGzipFile(file) ? " (after gunzip)" : ""));
    }

    private static boolean isGzipFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return DataFiles.isGzip(in.readNBytes(2));
        } catch (IOException e) {
            return false;
        }
    }

    /** Two zero bytes then data type 0x08: IDX unsigned bytes (images or labels; the reader tells which). */
    private static boolean looksLikeIdx(byte[] head) {
        return head.length >= 3 && head[0] == 0 && head[1] == 0 && head[2] == 0x08;
    }
}
