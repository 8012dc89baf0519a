package dev.ncsn.model.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MnistReaderTest {

    @TempDir
    Path tmp;

    @Test
    void readsCommittedSubsetTrainingImagesFromDirectory() {
        ByteDataset d = MnistReader.read(TestData.subsetDirectory());
        assertEquals(TestData.TRAIN_COUNT, d.size());
        assertEquals(1, d.channels());
        assertEquals(28, d.height());
        assertEquals(28, d.width());
        assertEquals(784, d.valuesPerImage());
        assertTrue(d.source().endsWith("train-images-idx3-ubyte.gz"), d.source());
    }

    @Test
    void pixelValuesMatchValuesReadIndependently() {
        ByteDataset d = MnistReader.read(TestData.subsetDirectory().resolve("train-images-idx3-ubyte.gz"));
        // Read with Python's gzip module from the Debian package file: image 0, row 14.
        assertEquals(217, d.pixel(0, 0, 14, 14));
        assertEquals(255, d.pixel(0, 0, 14, 25));
        assertEquals(237, d.pixel(0, 0, 14, 12));
        assertEquals(0, d.pixel(0, 0, 0, 0));
        int[] row14Of1499 = {0, 0, 0, 0, 0, 0, 0, 0, 133, 199, 140, 171, 254, 0, 55, 255, 164, 135, 216, 67, 0, 0, 0,
            0, 0, 0, 0, 0};
        for (int x = 0; x < 28; x++) {
            assertEquals(row14Of1499[x], d.pixel(1499, 0, 14, x), "x=" + x);
        }
        assertEquals(76247, sum(d.bytes(0)));
        assertEquals(57309, sum(d.bytes(1499)));

        // And the same bytes straight from the file, parsed here with no reader code.
        byte[] raw = TestData.gunzip(TestData.bytes(TestData.subsetStream("train-images-idx3-ubyte.gz")));
        assertEquals(0x803, TestData.int32(raw, 0));
        assertEquals(TestData.TRAIN_COUNT, TestData.int32(raw, 4));
        for (int i : new int[] {0, 1, 777, 1499}) {
            assertArrayEquals(Arrays.copyOfRange(raw, 16 + i * 784, 16 + (i + 1) * 784), d.bytes(i), "image " + i);
        }
    }

    @Test
    void floatsAreBytesOver255InUnitInterval() {
        ByteDataset d = MnistReader.read(TestData.subsetDirectory());
        float[] img = d.image(0);
        assertEquals(784, img.length);
        assertEquals(217 / 255f, img[14 * 28 + 14]);
        assertEquals(1f, img[14 * 28 + 25]);
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        float[] buf = new float[784];
        for (int i = 0; i < d.size(); i++) {
            d.copy(i, buf, 0);
            for (float v : buf) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        assertEquals(0f, min);
        assertEquals(1f, max);

        float[] two = new float[3 + 2 * 784];
        d.copy(5, two, 3);
        d.copy(6, two, 3 + 784);
        assertArrayEquals(d.image(5), Arrays.copyOfRange(two, 3, 3 + 784));
        assertArrayEquals(d.image(6), Arrays.copyOfRange(two, 3 + 784, 3 + 2 * 784));
        assertEquals(0f, two[0]);
        assertArrayEquals(two, prepend(3, d.batch(new int[] {5, 6})));
    }

    @Test
    void readsTestSplit() {
        ByteDataset d = MnistReader.read(TestData.subsetDirectory(), "t10k");
        assertEquals(TestData.TEST_COUNT, d.size());
        assertEquals(110, d.pixel(0, 0, 14, 14));
        assertEquals(70958, sum(d.bytes(499)));
    }

    @Test
    void plainAndGzipGiveTheSameImages() throws IOException {
        byte[] gz = TestData.bytes(TestData.subsetStream("train-images-idx3-ubyte.gz"));
        byte[] plain = TestData.gunzip(gz);
        Path dir = Files.createDirectories(tmp.resolve("plain"));
        Files.write(dir.resolve("train-images-idx3-ubyte"), plain);
        Files.write(dir.resolve("train-labels-idx1-ubyte"),
                TestData.gunzip(TestData.bytes(TestData.subsetStream("train-labels-idx1-ubyte.gz"))));

        ByteDataset fromGz = MnistReader.read(new ByteArrayInputStream(gz), "gz");
        ByteDataset fromPlainStream = MnistReader.read(new ByteArrayInputStream(plain), "plain");
        ByteDataset fromPlainDir = MnistReader.read(dir);
        assertEquals(TestData.TRAIN_COUNT, fromPlainDir.size());
        for (int i = 0; i < TestData.TRAIN_COUNT; i += 97) {
            assertArrayEquals(fromGz.bytes(i), fromPlainStream.bytes(i));
            assertArrayEquals(fromGz.bytes(i), fromPlainDir.bytes(i));
        }
        // gzip is told by its magic bytes, not the name: a gzip'd file without .gz reads too
        Path misnamed = tmp.resolve("data-images-idx3-ubyte");
        Files.write(misnamed, gz);
        assertEquals(TestData.TRAIN_COUNT, MnistReader.read(misnamed).size());
    }

    @Test
    void streamIsTheObjectStoreCase() {
        ByteDataset d = MnistReader.read(TestData.subsetStream("t10k-images-idx3-ubyte.gz"), "s3://bucket/t10k");
        assertEquals(TestData.TEST_COUNT, d.size());
        assertEquals("s3://bucket/t10k", d.source());
    }

    @Test
    void matchesTheFullDebianFileWhereInstalled() {
        Path full = Path.of("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz");
        assumeTrue(Files.isRegularFile(full), "dataset-fashion-mnist not installed");
        ByteDataset all = MnistReader.read(full);
        assertEquals(60000, all.size());
        ByteDataset subset = MnistReader.read(TestData.subsetDirectory());
        for (int i = 0; i < subset.size(); i++) {
            assertArrayEquals(all.bytes(i), subset.bytes(i), "image " + i);
        }
    }

    @Test
    void labelsFileIsRejectedAsImages() {
        DatasetException e = assertThrows(DatasetException.class,
                () -> MnistReader.read(TestData.subsetDirectory().resolve("train-labels-idx1-ubyte.gz")));
        assertTrue(e.getMessage().contains("labels file"), e.getMessage());
    }

    @Test
    void wrongMagicNumber() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 0, 0, 0, 0, 0};
        DatasetException e = assertThrows(DatasetException.class,
                () -> MnistReader.read(new ByteArrayInputStream(png), "x.png"));
        assertTrue(e.getMessage().contains("wrong magic number 89 50 4e 47"), e.getMessage());
        assertTrue(e.getMessage().contains("expected 00 00 08 03"), e.getMessage());

        byte[] floats = TestData.idxHeader(0x00000d03, 1, 2, 2);
        e = assertThrows(DatasetException.class, () -> MnistReader.read(new ByteArrayInputStream(floats), "f"));
        assertTrue(e.getMessage().contains("data type 0x0d"), e.getMessage());

        byte[] twoDims = TestData.idxHeader(0x00000802, 1, 2, 2);
        e = assertThrows(DatasetException.class, () -> MnistReader.read(new ByteArrayInputStream(twoDims), "d"));
        assertTrue(e.getMessage().contains("2 dimensions"), e.getMessage());
    }

    @Test
    void truncatedPlainAndGzipFiles() {
        byte[] plain = TestData.gunzip(TestData.bytes(TestData.subsetStream("t10k-images-idx3-ubyte.gz")));
        byte[] cut = Arrays.copyOf(plain, 16 + 3 * 784 + 100);
        DatasetException e = assertThrows(DatasetException.class,
                () -> MnistReader.read(new ByteArrayInputStream(cut), "cut"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("500 images of 28×28"), e.getMessage());
        assertTrue(e.getMessage().contains("3 whole images"), e.getMessage());

        byte[] gz = TestData.bytes(TestData.subsetStream("t10k-images-idx3-ubyte.gz"));
        byte[] gzCut = Arrays.copyOf(gz, gz.length / 2);
        e = assertThrows(DatasetException.class, () -> MnistReader.read(new ByteArrayInputStream(gzCut), "gzcut"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        // the whole gzip'd file of a truncated IDX file
        e = assertThrows(DatasetException.class,
                () -> MnistReader.read(new ByteArrayInputStream(TestData.gzip(cut)), "cut.gz"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        byte[] header = Arrays.copyOf(plain, 10);
        e = assertThrows(DatasetException.class, () -> MnistReader.read(new ByteArrayInputStream(header), "h"));
        assertTrue(e.getMessage().contains("truncated IDX header"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> MnistReader.read(new ByteArrayInputStream(new byte[0]), "0"));
        assertTrue(e.getMessage().contains("truncated IDX header"), e.getMessage());
    }

    @Test
    void directoryWithoutImagesNamesWhatItLookedFor() throws IOException {
        Files.writeString(tmp.resolve("notes.txt"), "hi");
        DatasetException e = assertThrows(DatasetException.class, () -> MnistReader.read(tmp));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> MnistReader.read(tmp, "t10k"));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
    }

    @Test
    void smallGeneratedFileWithOtherSize() {
        byte[] h = TestData.idxHeader(0x803, 2, 2, 3);
        byte[] all = Arrays.copyOf(h, 16 + 12);
        for (int k = 0; k < 12; k++) {
            all[16 + k] = (byte) (k * 20);
        }
        ByteDataset d = MnistReader.read(new ByteArrayInputStream(all), "tiny");
        assertEquals(2, d.size());
        assertEquals(2, d.height());
        assertEquals(3, d.width());
        assertEquals(100, d.pixel(0, 0, 1, 2));
        assertEquals(220, d.pixel(1, 0, 1, 2));
    }

    private static int sum(byte[] b) {
        int s = 0;
        for (byte v : b) {
            s += v & 0xff;
        }
        return s;
    }

    private static float[] prepend(int zeros, float[] a) {
        float[] out = new float[zeros + a.length];
        System.arraycopy(a, 0, out, zeros, a.length);
        return out;
    }
}
