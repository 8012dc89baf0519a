package dev.ncsn.model.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Reads images in the IDX format of MNIST and Fashion-MNIST ({@code *-images-idx3-ubyte}, gzip'd or not: the
 * gzip magic bytes decide, not the file name).
 *
 * <p>The format: magic {@code 00 00 08 03} (two zero bytes, data type 0x08 = unsigned byte, 3 dimensions), then
 * the dimensions as big-endian int32 (count, rows, columns), then count·rows·columns pixel bytes, row-major, 0 =
 * background. Images come out as one channel, (1, rows, columns). Labels files ({@code *-labels-idx1-ubyte},
 * magic {@code 00 00 08 01}) are not needed for training: in a directory they are ignored, and given as the images
 * file they are rejected with a message saying so.
 */
public final class MnistReader {

    /** File names tried in a directory, in order, for {@link #read(Path)}. */
    public static final List<String> TRAIN_FILES = List.of("train-images-idx3-ubyte.gz", "train-images-idx3-ubyte",
            "train-images.idx3-ubyte");

    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;
    private static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private MnistReader() {
    }

    /**
     * Reads a file, or the training images of a directory: the first of {@link #TRAIN_FILES} present, or else the
     * only {@code *-images-idx3-ubyte[.gz]} file in it.
     */
    public static ByteDataset read(Path fileOrDirectory) {
        if (Files.isDirectory(fileOrDirectory)) {
            return readFile(findImages(fileOrDirectory));
        }
        return readFile(fileOrDirectory);
    }

    /**
     * Reads the images of one split in a directory: {@code split} is the file name prefix, e.g. {@code "train"}
     * or {@code "t10k"} for {@code t10k-images-idx3-ubyte[.gz]}.
     */
    public static ByteDataset read(Path directory, String split) {
        for (String suffix : List.of("-images-idx3-ubyte.gz", "-images-idx3-ubyte", "-images.idx3-ubyte")) {
            Path p = directory.resolve(split + suffix);
            if (Files.isRegularFile(p)) {
                return readFile(p);
            }
        }
        throw new DatasetException("no " + split + "-images-idx3-ubyte[.gz] in " + directory + ": "
                + (Files.isDirectory(directory) ? DataFiles.describeContents(directory, 10) : "not a directory"));
    }

    /**
     * The labels of one split in a directory ({@code split-labels-idx1-ubyte[.gz]}, e.g. {@code "t10k"}), one value
     * 0–255 per image in file order. A classifier trained on the images needs them; training the score network does
     * not.
     */
    public static int[] readLabels(Path directory, String split) {
        for (String suffix : List.of("-labels-idx1-ubyte.gz", "-labels-idx1-ubyte", "-labels.idx1-ubyte")) {
            Path p = directory.resolve(split + suffix);
            if (Files.isRegularFile(p)) {
                try (InputStream in = Files.newInputStream(p)) {
                    return parseLabels(DataFiles.gunzipIfCompressed(in), p.toString());
                } catch (EOFException | ZipException e) {
                    throw new DatasetException(p + ": truncated or corrupt gzip data (" + e.getMessage() + ")", e);
                } catch (IOException e) {
                    throw new DatasetException("cannot read " + p + ": " + e, e);
                }
            }
        }
        throw new DatasetException("no " + split + "-labels-idx1-ubyte[.gz] in " + directory + ": "
                + (Files.isDirectory(directory) ? DataFiles.describeContents(directory, 10) : "not a directory"));
    }

    /**
     * Reads one IDX images file from a stream (gzip'd or not), e.g. an object streamed from a store. The stream is
     * read to the end of the images, not closed. {@code source} names it in messages.
     */
    public static ByteDataset read(InputStream in, String source) {
        try {
            return parse(DataFiles.gunzipIfCompressed(in), source);
        } catch (EOFException | ZipException e) {
            throw new DatasetException(source + ": truncated or corrupt gzip data (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DatasetException("cannot read " + source + ": " + e, e);
        }
    }

    /** The IDX images files of a directory, by name. */
    static List<Path> imageFiles(Path directory) {
        List<Path> out = new ArrayList<>();
        for (Path p : DataFiles.list(directory)) {
            String n = DataFiles.lowerName(p);
            if (Files.isRegularFile(p) && (n.endsWith("-images-idx3-ubyte") || n.endsWith("-images-idx3-ubyte.gz")
                    || n.endsWith("-images.idx3-ubyte"))) {
                out.add(p);
            }
        }
        return out;
    }

    private static Path findImages(Path directory) {
        for (String name : TRAIN_FILES) {
            Path p = directory.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        List<Path> candidates = imageFiles(directory);
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        if (candidates.isEmpty()) {
            throw new DatasetException("no MNIST images in " + directory + ": looked for " + String.join(", ",
                    TRAIN_FILES) + " or any *-images-idx3-ubyte[.gz]; " + DataFiles.describeContents(directory, 10));
        }
        throw new DatasetException("several MNIST image files in " + directory + " and none is "
                + TRAIN_FILES.get(0) + ": " + candidates.stream().map(DataFiles::name).toList()
                + "; pass the file, or the split with read(directory, split)");
    }

    private static ByteDataset readFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("no such file: " + file);
        }
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new DatasetException("cannot read " + file + ": " + e, e);
        }
    }

    private static int magic(byte[] b) {
        return int32(b, 0);
    }

    /** Big-endian int32 at {@code b[at ...]}. */
    private static int int32(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    private static int[] parseLabels(InputStream in, String source) throws IOException {
        byte[] head = in.readNBytes(8);
        if (head.length < 8) {
            throw new DatasetException(source + ": truncated IDX labels header (" + head.length + " of 8 bytes)");
        }
        if (magic(head) != LABELS_MAGIC) {
            throw new DatasetException(source + ": wrong magic number " + DataFiles.hex(head, 4)
                    + "; expected 00 00 08 01 (IDX labels)");
        }
        int count = int32(head, 4);
        if (count < 0) {
            throw new DatasetException(source + ": IDX labels header has a negative count");
        }
        byte[] values = in.readNBytes(count);
        if (values.length < count) {
            throw new DatasetException(source + ": truncated: the header says " + count + " labels but only "
                    + values.length + " follow");
        }
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = values[i] & 0xff;
        }
        return labels;
    }

    private static ByteDataset parse(InputStream in, String source) throws IOException {
        byte[] head = in.readNBytes(4);
        if (head.length < 4) {
            throw new DatasetException(source + ": truncated IDX header: " + head.length
                    + " bytes where the 4-byte magic number was expected");
        }
        int magic = magic(head);
        if (magic == LABELS_MAGIC) {
            throw new DatasetException(source + " is an IDX labels file (magic 00 00 08 01), not images "
                    + "(00 00 08 03); pass the *-images-idx3-ubyte file");
        }
        if (magic != IMAGES_MAGIC) {
            String why = (head[0] != 0 || head[1] != 0) ? "not an IDX file"
                    : head[2] != 0x08 ? "IDX data type 0x" + String.format("%02x", head[2] & 0xff)
                            + " is not supported (only 0x08, unsigned byte)"
                    : "IDX file with " + (head[3] & 0xff) + " dimensions; images have 3 (count, rows, columns)";
            throw new DatasetException(source + ": wrong magic number " + DataFiles.hex(head, 4) + ", " + why
                    + "; expected 00 00 08 03 (MNIST-style IDX images, optionally gzip'd)");
        }
        byte[] dims = in.readNBytes(12);
        if (dims.length < 12) {
            throw new DatasetException(source + ": truncated IDX header: " + (4 + dims.length)
                    + " bytes where 16 (magic, count, rows, columns) were expected");
        }
        int count = int32(dims, 0);
        int rows = int32(dims, 4);
        int cols = int32(dims, 8);
        if (count < 0 || rows <= 0 || cols <= 0) {
            throw new DatasetException(source + ": IDX header has impossible dimensions: " + Integer.toUnsignedString(
                    count) + " images of " + Integer.toUnsignedString(rows) + "×" + Integer.toUnsignedString(cols));
        }
        long total = (long) count * rows * cols;
        if (total > MAX_BYTES) {
            throw new DatasetException(source + ": " + count + " images of " + rows + "×" + cols + " (" + total
                    + " bytes) are more than one dataset can hold in memory");
        }
        byte[] pixels = in.readNBytes((int) total);
        if (pixels.length < total) {
            int per = rows * cols;
            throw new DatasetException(source + ": truncated: the header says " + count + " images of " + rows + "×"
                    + cols + " (" + total + " bytes) but only " + pixels.length + " bytes follow ("
                    + pixels.length / per + " whole images)");
        }
        return new ByteDataset(source, count, 1, rows, cols, pixels);
    }
}
