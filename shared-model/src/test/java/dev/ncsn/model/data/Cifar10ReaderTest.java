package dev.ncsn.model.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Cifar10ReaderTest {

    @TempDir
    Path tmp;

    /** Value of record r, channel c, row y, column x in the generated files: distinct per batch. */
    private static int value(int batch, int r, int c, int y, int x) {
        return (batch * 31 + r * 7 + c * 85 + y * 3 + x) & 0xff;
    }

    /** A batch of {@code n} records, label r % 10, laid out as the CIFAR-10 binary version. */
    static byte[] batch(int batch, int n) {
        byte[] out = new byte[n * 3073];
        for (int r = 0; r < n; r++) {
            out[r * 3073] = (byte) (r % 10);
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        out[r * 3073 + 1 + c * 1024 + y * 32 + x] = (byte) value(batch, r, c, y, x);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void readsPlanesAsChannelsRgb() {
        ByteDataset d = Cifar10Reader.read(new ByteArrayInputStream(batch(1, 4)), "b1");
        assertEquals(4, d.size());
        assertEquals(3, d.channels());
        assertEquals(32, d.height());
        assertEquals(32, d.width());
        for (int r = 0; r < 4; r++) {
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 32; y += 5) {
                    for (int x = 0; x < 32; x += 3) {
                        assertEquals(value(1, r, c, y, x), d.pixel(r, c, y, x));
                    }
                }
            }
        }
        float[] img = d.image(2);
        assertEquals(3072, img.length);
        assertEquals(value(1, 2, 1, 4, 5) / 255f, img[1024 + 4 * 32 + 5]);
    }

    @Test
    void directoryReadsTrainingBatchesInNumericOrderAndSkipsTestBatch() throws IOException {
        Files.write(tmp.resolve("data_batch_2.bin"), batch(2, 3));
        Files.write(tmp.resolve("data_batch_10.bin"), batch(10, 1));
        Files.write(tmp.resolve("data_batch_1.bin"), batch(1, 2));
        Files.write(tmp.resolve("test_batch.bin"), batch(99, 5));
        Files.writeString(tmp.resolve("batches.meta.txt"), "airplane\n");
        ByteDataset d = Cifar10Reader.read(tmp);
        assertEquals(6, d.size());
        int[][] expected = {{1, 0}, {1, 1}, {2, 0}, {2, 1}, {2, 2}, {10, 0}};
        for (int i = 0; i < 6; i++) {
            assertEquals(value(expected[i][0], expected[i][1], 2, 31, 30), d.pixel(i, 2, 31, 30), "image " + i);
        }
        ByteDataset test = Cifar10Reader.readTest(tmp);
        assertEquals(5, test.size());
        assertEquals(value(99, 4, 0, 0, 0), test.pixel(4, 0, 0, 0));
    }

    @Test
    void looksIntoTheArchiveDirectory() throws IOException {
        Path sub = Files.createDirectories(tmp.resolve("cifar-10-batches-bin"));
        Files.write(sub.resolve("data_batch_1.bin"), batch(1, 2));
        Files.write(sub.resolve("test_batch.bin"), batch(5, 1));
        assertEquals(2, Cifar10Reader.read(tmp).size());
        assertEquals(1, Cifar10Reader.readTest(tmp).size());
        assertEquals(2, Cifar10Reader.read(sub.resolve("data_batch_1.bin")).size());
    }

    @Test
    void truncatedRecord() {
        byte[] cut = Arrays.copyOf(batch(1, 3), 2 * 3073 + 1000);
        DatasetException e = assertThrows(DatasetException.class,
                () -> Cifar10Reader.read(new ByteArrayInputStream(cut), "cut.bin"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("2 whole records and 1000 bytes over"), e.getMessage());
    }

    @Test
    void labelAbove9IsNotCifar10() {
        byte[] b = batch(1, 3);
        b[2 * 3073] = 42;
        DatasetException e = assertThrows(DatasetException.class,
                () -> Cifar10Reader.read(new ByteArrayInputStream(b), "x.bin"));
        assertTrue(e.getMessage().contains("record 2 has label byte 42"), e.getMessage());
    }

    @Test
    void emptyFileAndDirectoryWithoutBatches() throws IOException {
        DatasetException e = assertThrows(DatasetException.class,
                () -> Cifar10Reader.read(new ByteArrayInputStream(new byte[0]), "empty.bin"));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        Files.write(tmp.resolve("test_batch.bin"), batch(1, 1));
        e = assertThrows(DatasetException.class, () -> Cifar10Reader.read(tmp));
        assertTrue(e.getMessage().contains("data_batch_<n>.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("test_batch.bin"), e.getMessage());
    }

    @Test
    void concatenatesStreamedBatches() {
        ByteDataset a = Cifar10Reader.read(new ByteArrayInputStream(batch(1, 2)), "s3://x/data_batch_1.bin");
        ByteDataset b = Cifar10Reader.read(new ByteArrayInputStream(batch(2, 3)), "s3://x/data_batch_2.bin");
        ByteDataset all = ByteDataset.concat("s3://x", java.util.List.of(a, b));
        assertEquals(5, all.size());
        assertEquals(value(2, 0, 1, 2, 3), all.pixel(2, 1, 2, 3));
        ByteDataset slice = all.slice(1, 4);
        assertEquals(3, slice.size());
        assertEquals(value(1, 1, 0, 9, 9), slice.pixel(0, 0, 9, 9));
        assertEquals(value(2, 1, 0, 9, 9), slice.pixel(2, 0, 9, 9));
        assertTrue(Arrays.equals(all.image(3), slice.image(2)));
        assertThrows(IndexOutOfBoundsException.class, () -> slice.image(3));
    }
}
