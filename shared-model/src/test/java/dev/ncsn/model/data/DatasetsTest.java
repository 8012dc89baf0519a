package dev.ncsn.model.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetsTest {

    @TempDir
    Path tmp;

    @Test
    void opensMnistDirectoryAndFiles() throws IOException {
        ByteDataset dir = Datasets.open(TestData.subsetDirectory());
        assertEquals(TestData.TRAIN_COUNT, dir.size());
        assertEquals(TestData.TEST_COUNT,
                Datasets.open(TestData.subsetDirectory().resolve("t10k-images-idx3-ubyte.gz")).size());
        Path plain = tmp.resolve("whatever.idx");
        Files.write(plain, TestData.gunzip(TestData.bytes(TestData.subsetStream("t10k-images-idx3-ubyte.gz"))));
        assertEquals(TestData.TEST_COUNT, Datasets.open(plain).size());
        // an IDX labels file is recognised as IDX and rejected by the reader with its reason
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.open(TestData.subsetDirectory().resolve("t10k-labels-idx1-ubyte.gz")));
        assertTrue(e.getMessage().contains("labels file"), e.getMessage());
    }

    @Test
    void opensCifarDirectoryAndBatch() throws IOException {
        Path sub = Files.createDirectories(tmp.resolve("cifar-10-batches-bin"));
        Files.write(sub.resolve("data_batch_1.bin"), Cifar10ReaderTest.batch(1, 3));
        Files.write(sub.resolve("data_batch_2.bin"), Cifar10ReaderTest.batch(2, 2));
        ByteDataset d = Datasets.open(tmp);
        assertEquals(5, d.size());
        assertEquals(3, d.channels());
        assertEquals(3, Datasets.open(sub.resolve("data_batch_1.bin")).size());
    }

    @Test
    void opensImageFolderWithOptions() throws IOException {
        for (int k = 0; k < 3; k++) {
            BufferedImage im = new BufferedImage(178, 218, BufferedImage.TYPE_INT_RGB);
            ImageIO.write(im, "png", tmp.resolve(k + ".png").toFile());
        }
        ByteDataset plain = Datasets.open(tmp);
        assertEquals(218, plain.height());
        ByteDataset celeba = Datasets.open(tmp, ImageFolderReader.Options.celebA());
        assertEquals(3, celeba.size());
        assertEquals(32, celeba.height());
        assertEquals(32, celeba.width());
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.open(tmp.resolve("0.png")));
        assertTrue(e.getMessage().contains("single image"), e.getMessage());
    }

    @Test
    void nothingFoundListsWhatWasLookedForAndWhatIsThere() throws IOException {
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.open(tmp));
        assertTrue(e.getMessage().contains("looked for"), e.getMessage());
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains("data_batch_<n>.bin"), e.getMessage());
        assertTrue(e.getMessage().contains("*.png"), e.getMessage());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());

        Files.writeString(tmp.resolve("readme.txt"), "x");
        Files.createDirectories(tmp.resolve("img_align_celeba"));
        e = assertThrows(DatasetException.class, () -> Datasets.open(tmp));
        assertTrue(e.getMessage().contains("img_align_celeba/, readme.txt"), e.getMessage());

        e = assertThrows(DatasetException.class, () -> Datasets.open(tmp.resolve("readme.txt")));
        assertTrue(e.getMessage().contains("not training data"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Datasets.open(tmp.resolve("missing")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void ambiguousDirectoryIsRejected() throws IOException {
        Files.write(tmp.resolve("train-images-idx3-ubyte.gz"),
                TestData.bytes(TestData.subsetStream("t10k-images-idx3-ubyte.gz")));
        Files.write(tmp.resolve("data_batch_1.bin"), Cifar10ReaderTest.batch(1, 1));
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.open(tmp));
        assertTrue(e.getMessage().contains("ambiguous"), e.getMessage());
    }

    @Test
    void readsStreamsByMagicOrName() {
        byte[] gz = TestData.bytes(TestData.subsetStream("t10k-images-idx3-ubyte.gz"));
        ByteDataset a = Datasets.read(new ByteArrayInputStream(gz), "s3://b/t10k-images-idx3-ubyte.gz");
        ByteDataset b = Datasets.read(new ByteArrayInputStream(TestData.gunzip(gz)), "s3://b/images");
        assertEquals(TestData.TEST_COUNT, a.size());
        assertArrayEquals(a.bytes(42), b.bytes(42));
        assertEquals(2, Datasets.read(new ByteArrayInputStream(Cifar10ReaderTest.batch(1, 2)), "x/data_batch_1.bin")
                .size());
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.read(new ByteArrayInputStream(new byte[] {1, 2, 3, 4}), "x/blob"));
        assertTrue(e.getMessage().contains("01 02 03 04"), e.getMessage());
    }
}
