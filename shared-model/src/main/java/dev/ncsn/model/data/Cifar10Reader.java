package dev.ncsn.model.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the CIFAR-10 binary version ({@code cifar-10-batches-bin/data_batch_1.bin} ... {@code data_batch_5.bin},
 * {@code test_batch.bin}): records of 3073 bytes, one label byte (0–9) and then a 32×32 image as three planes R, G,
 * B of 1024 bytes each, row-major. That is the (C, H, W) layout, so images are stored as read. Labels are checked
 * (a byte above 9 means the file is something else, e.g. CIFAR-100 with its two label bytes) and dropped.
 */
public final class Cifar10Reader {

    public static final int SIDE = 32;
    public static final int CHANNELS = 3;
    public static final int IMAGE_BYTES = CHANNELS * SIDE * SIDE;
    public static final int RECORD_BYTES = 1 + IMAGE_BYTES;
    /** The sub-directory of the official archive, looked into when a directory holds no batches itself. */
    public static final String ARCHIVE_DIRECTORY = "cifar-10-batches-bin";
    public static final String TEST_FILE = "test_batch.bin";

    private static final Pattern TRAIN_BATCH = Pattern.compile("data_batch_(\\d+)\\.bin");

    private Cifar10Reader() {
    }

    /**
     * Reads one batch file, or all training batches {@code data_batch_<n>.bin} of a directory (or of its
     * {@value #ARCHIVE_DIRECTORY} sub-directory), in order of n.
     */
    public static ByteDataset read(Path fileOrDirectory) {
        if (!Files.isDirectory(fileOrDirectory)) {
            return readFile(fileOrDirectory);
        }
        List<Path> batches = trainBatches(fileOrDirectory);
        if (batches.isEmpty()) {
            throw new DatasetException("no CIFAR-10 batches in " + fileOrDirectory + ": looked for data_batch_<n>.bin"
                    + " there and in " + ARCHIVE_DIRECTORY + "/; " + DataFiles.describeContents(fileOrDirectory, 10));
        }
        List<ByteDataset> parts = new ArrayList<>();
        for (Path b : batches) {
            parts.add(readFile(b));
        }
        return parts.size() == 1 ? parts.get(0) : ByteDataset.concat(fileOrDirectory.toString(), parts);
    }

    /** Reads {@value #TEST_FILE} of a directory (or of its {@value #ARCHIVE_DIRECTORY} sub-directory). */
    public static ByteDataset readTest(Path directory) {
        for (Path p : List.of(directory.resolve(TEST_FILE), directory.resolve(ARCHIVE_DIRECTORY).resolve(TEST_FILE))) {
            if (Files.isRegularFile(p)) {
                return readFile(p);
            }
        }
        throw new DatasetException("no " + TEST_FILE + " in " + directory + " or in " + ARCHIVE_DIRECTORY + "/");
    }

    /**
     * Reads one batch from a stream, e.g. an object streamed from a store; several batches are joined with
     * {@link ByteDataset#concat}. The stream is read to its end, not closed. {@code source} names it in messages.
     */
    public static ByteDataset read(InputStream in, String source) {
        byte[] all;
        try {
            all = in.readAllBytes();
        } catch (IOException e) {
            throw new DatasetException("cannot read " + source + ": " + e, e);
        }
        if (all.length == 0) {
            throw new DatasetException(source + " is empty; a CIFAR-10 batch holds records of " + RECORD_BYTES
                    + " bytes (1 label byte + 3×32×32 pixels)");
        }
        if (all.length % RECORD_BYTES != 0) {
            throw new DatasetException(source + ": truncated or not a CIFAR-10 binary batch: " + all.length
                    + " bytes is not a whole number of " + RECORD_BYTES + "-byte records (" + all.length / RECORD_BYTES
                    + " whole records and " + all.length % RECORD_BYTES + " bytes over)");
        }
        int n = all.length / RECORD_BYTES;
        byte[] pixels = new byte[n * IMAGE_BYTES];
        for (int r = 0; r < n; r++) {
            int label = all[r * RECORD_BYTES] & 0xff;
            if (label > 9) {
                throw new DatasetException(source + ": record " + r + " has label byte " + label
                        + "; CIFAR-10 labels are 0–9, so this is not a CIFAR-10 binary batch (CIFAR-100 has two "
                        + "label bytes per record)");
            }
            System.arraycopy(all, r * RECORD_BYTES + 1, pixels, r * IMAGE_BYTES, IMAGE_BYTES);
        }
        return new ByteDataset(source, n, CHANNELS, SIDE, SIDE, pixels);
    }

    /** The {@code data_batch_<n>.bin} files of {@code directory}, or else of its archive sub-directory, by n. */
    static List<Path> trainBatches(Path directory) {
        List<Path> found = batchesIn(directory);
        Path sub = directory.resolve(ARCHIVE_DIRECTORY);
        if (found.isEmpty() && Files.isDirectory(sub)) {
            found = batchesIn(sub);
        }
        return found;
    }

    private static List<Path> batchesIn(Path directory) {
        List<Path> out = new ArrayList<>();
        for (Path p : DataFiles.list(directory)) {
            if (Files.isRegularFile(p) && TRAIN_BATCH.matcher(DataFiles.name(p)).matches()) {
                out.add(p);
            }
        }
        out.sort(Comparator.comparingLong(Cifar10Reader::batchNumber));
        return out;
    }

    private static long batchNumber(Path p) {
        Matcher m = TRAIN_BATCH.matcher(DataFiles.name(p));
        m.matches();
        String digits = m.group(1);
        return digits.length() > 18 ? Long.MAX_VALUE : Long.parseLong(digits);
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
}
