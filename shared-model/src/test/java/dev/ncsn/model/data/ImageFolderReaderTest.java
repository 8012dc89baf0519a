package dev.ncsn.model.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageFolderReaderTest {

    @TempDir
    Path tmp;

    /** An RGB image whose pixel (x, y) is (x, y, seed) in R, G, B (values mod 256). */
    private static BufferedImage rgb(int w, int h, int seed) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, ((x & 0xff) << 16) | ((y & 0xff) << 8) | (seed & 0xff));
            }
        }
        return im;
    }

    /** A grey image with pixel (x, y) = (x * 10 + y + seed) mod 256. */
    private static BufferedImage grey(int w, int h, int seed) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.getRaster().setSample(x, y, 0, (x * 10 + y + seed) & 0xff);
            }
        }
        return im;
    }

    private static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, rgb);
            }
        }
        return im;
    }

    private static byte[] encode(BufferedImage im, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(im, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private void write(String name, BufferedImage im) throws IOException {
        String format = name.endsWith(".png") ? "png" : "jpg";
        Files.write(tmp.resolve(name), encode(im, format));
    }

    @Test
    void readsPngFolderSortedByNameIgnoringOtherFiles() throws IOException {
        write("b.png", rgb(5, 4, 2));
        write("a.png", rgb(5, 4, 1));
        write("c.png", rgb(5, 4, 3));
        Files.writeString(tmp.resolve("list_attr.txt"), "not an image");
        Files.createDirectories(tmp.resolve("sub"));
        ByteDataset d = ImageFolderReader.read(tmp);
        assertEquals(3, d.size());
        assertEquals(3, d.channels());
        assertEquals(4, d.height());
        assertEquals(5, d.width());
        for (int i = 0; i < 3; i++) {
            assertEquals(i + 1, d.pixel(i, 2, 0, 0), "a, b, c in name order");
            assertEquals(3, d.pixel(i, 0, 2, 3), "R = x");
            assertEquals(2, d.pixel(i, 1, 2, 3), "G = y");
        }
    }

    @Test
    void greyPngGivesOneChannelWithExactValues() throws IOException {
        write("0.png", grey(6, 3, 0));
        write("1.png", grey(6, 3, 200));
        ByteDataset d = ImageFolderReader.read(tmp);
        assertEquals(1, d.channels());
        assertEquals(52, d.pixel(0, 0, 2, 5));
        assertEquals((52 + 200) & 0xff, d.pixel(1, 0, 2, 5));
        assertEquals(52 / 255f, d.image(0)[2 * 6 + 5]);
    }

    @Test
    void jpegIsRead() throws IOException {
        write("x.jpg", solid(16, 16, 0x808080));
        write("y.jpeg", solid(16, 16, 0x20a0f0));
        ByteDataset d = ImageFolderReader.read(tmp);
        assertEquals(2, d.size());
        assertEquals(3, d.channels());
        assertTrue(Math.abs(d.pixel(0, 0, 8, 8) - 0x80) <= 3, "" + d.pixel(0, 0, 8, 8));
        assertTrue(Math.abs(d.pixel(1, 2, 8, 8) - 0xf0) <= 3, "" + d.pixel(1, 2, 8, 8));
    }

    @Test
    void centerCropTakesTheMiddleWindowAsTorchvisionDoes() throws IOException {
        // 178×218 as aligned CelebA; crop 140: left = round(38 / 2) = 19, top = round(78 / 2) = 39
        write("face.png", rgb(178, 218, 7));
        ByteDataset d = ImageFolderReader.read(tmp, new ImageFolderReader.Options(140, 0, 0));
        assertEquals(140, d.height());
        assertEquals(140, d.width());
        assertEquals(19, d.pixel(0, 0, 0, 0));
        assertEquals(39, d.pixel(0, 1, 0, 0));
        assertEquals(19 + 139, d.pixel(0, 0, 139, 139));
        assertEquals(39 + 139, d.pixel(0, 1, 139, 139));

        // odd margins: (7 - 4) / 2 = 1.5 rounds to 2 (half to even, as Python's round); (6 - 4) / 2 = 1
        ImageFolderReader.Pixels p = ImageFolderReader.Pixels.of(rgb(7, 6, 0));
        ImageFolderReader.Pixels c = ImageFolderReader.centerCrop("p", p, 4);
        assertEquals(2, c.values()[0] & 0xff, "left");
        assertEquals(1, c.values()[16] & 0xff, "top");
        ImageFolderReader.Pixels c2 = ImageFolderReader.centerCrop("p", ImageFolderReader.Pixels.of(rgb(9, 9, 0)), 4);
        assertEquals(2, c2.values()[0] & 0xff, "(9 - 4) / 2 = 2.5 rounds to 2");
    }

    @Test
    void celebAPreprocessingGivesSquareImagesOfTheRequestedSize() throws IOException {
        write("000001.jpg", solid(178, 218, 0x336699));
        write("000002.png", rgb(178, 218, 1));
        write("000003.png", rgb(200, 240, 1)); // other original size: the same after crop and resize
        ByteDataset d = ImageFolderReader.read(tmp, ImageFolderReader.Options.celebA());
        assertEquals(3, d.size());
        assertEquals(3, d.channels());
        assertEquals(32, d.height());
        assertEquals(32, d.width());
        for (int y = 0; y < 32; y += 7) {
            for (int x = 0; x < 32; x += 5) {
                assertTrue(Math.abs(d.pixel(0, 0, y, x) - 0x33) <= 3);
                assertTrue(Math.abs(d.pixel(0, 2, y, x) - 0x99) <= 3);
            }
        }
        // R = x over crop columns 19..158: resizing keeps the ramp increasing, from near 19 to near 158
        int first = d.pixel(1, 0, 16, 0);
        int last = d.pixel(1, 0, 16, 31);
        assertTrue(first >= 19 && first <= 24, "" + first);
        assertTrue(last >= 153 && last <= 158, "" + last);
        for (int x = 1; x < 32; x++) {
            assertTrue(d.pixel(1, 0, 16, x) > d.pixel(1, 0, 16, x - 1));
        }
        // a mean of 140/32 = 4.375 columns per output column: the column centers are 19 + 4.375 (x + 0.5) - 0.5
        for (int x = 0; x < 32; x++) {
            double center = 19 + 4.375 * (x + 0.5) - 0.5;
            assertTrue(Math.abs(d.pixel(1, 0, 16, x) - center) <= 1.0, x + ": " + d.pixel(1, 0, 16, x));
        }

        ByteDataset d64 = ImageFolderReader.read(tmp, ImageFolderReader.Options.celebA(64));
        assertEquals(64, d64.height());
        assertEquals(64, d64.width());
    }

    @Test
    void resizeKeepsAspectRatioOfTheShorterSideAndAveragesWhenShrinking() {
        ImageFolderReader.Pixels p = ImageFolderReader.Pixels.of(rgb(40, 20, 0));
        ImageFolderReader.Pixels r = ImageFolderReader.resize(p, 10);
        assertEquals(10, r.height());
        assertEquals(20, r.width());
        // checkerboard of single pixels shrunk by 2 averages to mid grey, with no aliasing (away from the border,
        // where the filter is cut off and renormalised)
        BufferedImage check = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                check.getRaster().setSample(x, y, 0, ((x + y) & 1) == 0 ? 0 : 200);
            }
        }
        ImageFolderReader.Pixels small = ImageFolderReader.resize(ImageFolderReader.Pixels.of(check), 8);
        assertEquals(8, small.width());
        for (int y = 1; y < 7; y++) {
            for (int x = 1; x < 7; x++) {
                assertEquals(100, small.values()[y * 8 + x] & 0xff, 1.0);
            }
        }
        for (byte v : small.values()) {
            assertEquals(100, v & 0xff, 20.0);
        }
        // enlarging works too, and a size that is already right is left alone
        assertEquals(32, ImageFolderReader.resize(ImageFolderReader.Pixels.of(check), 32).width());
        assertTrue(ImageFolderReader.resize(small, 8) == small);
    }

    @Test
    void channelsOptionConvertsGreyAndColour() throws IOException {
        write("a.png", grey(4, 4, 0));
        write("b.png", solid(4, 4, 0xff0000));
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolderReader.read(tmp));
        assertTrue(e.getMessage().contains("grey and colour"), e.getMessage());
        ByteDataset g = ImageFolderReader.read(tmp, ImageFolderReader.Options.none().withChannels(1));
        assertEquals(1, g.channels());
        assertEquals(76, g.pixel(1, 0, 0, 0), "luma of pure red: 0.299 × 255");
        assertEquals(31, g.pixel(0, 0, 1, 3));
        ByteDataset c = ImageFolderReader.read(tmp, ImageFolderReader.Options.none().withChannels(3));
        assertEquals(3, c.channels());
        assertEquals(31, c.pixel(0, 0, 1, 3));
        assertEquals(31, c.pixel(0, 2, 1, 3));
        assertEquals(255, c.pixel(1, 0, 0, 0));
        assertEquals(0, c.pixel(1, 1, 0, 0));
    }

    @Test
    void mixedSizesAreRejectedNamingBothFiles() throws IOException {
        write("a.png", rgb(8, 8, 0));
        write("b.png", rgb(8, 9, 0));
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolderReader.read(tmp));
        assertTrue(e.getMessage().contains("different sizes"), e.getMessage());
        assertTrue(e.getMessage().contains("a.png") && e.getMessage().contains("b.png"), e.getMessage());
        assertTrue(e.getMessage().contains("8×9") || e.getMessage().contains("8×8"), e.getMessage());
        // center crop to a common size makes them fit
        assertEquals(2, ImageFolderReader.read(tmp, new ImageFolderReader.Options(8, 0, 0)).size());
    }

    @Test
    void cropLargerThanImageIsAnError() throws IOException {
        write("small.png", rgb(100, 120, 0));
        DatasetException e = assertThrows(DatasetException.class,
                () -> ImageFolderReader.read(tmp, ImageFolderReader.Options.celebA()));
        assertTrue(e.getMessage().contains("small.png is 100×120, smaller than the center crop 140×140"),
                e.getMessage());
    }

    @Test
    void emptyFolderAndUnreadableImage() throws IOException {
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolderReader.read(tmp));
        assertTrue(e.getMessage().contains("no images"), e.getMessage());
        assertTrue(e.getMessage().contains("*.png"), e.getMessage());
        Files.writeString(tmp.resolve("broken.png"), "this is not a png");
        e = assertThrows(DatasetException.class, () -> ImageFolderReader.read(tmp));
        assertTrue(e.getMessage().contains("broken.png"), e.getMessage());
    }

    @Test
    void builderFromStreamsOrdersByNameLikeTheFolder() throws IOException {
        List<String> names = List.of("img_3.png", "img_1.png", "img_2.png", "img_10.png");
        for (int k = 0; k < names.size(); k++) {
            write(names.get(k), rgb(6, 6, k * 40));
        }
        ByteDataset folder = ImageFolderReader.read(tmp);
        ImageFolderReader.Builder b = ImageFolderReader.builder(ImageFolderReader.Options.none());
        for (int k = names.size() - 1; k >= 0; k--) {
            b.add(names.get(k), new ByteArrayInputStream(Files.readAllBytes(tmp.resolve(names.get(k)))));
        }
        assertEquals(4, b.size());
        ByteDataset streamed = b.build("s3://bucket/faces/");
        assertEquals("s3://bucket/faces/", streamed.source());
        for (int i = 0; i < 4; i++) {
            assertArrayEquals(folder.bytes(i), streamed.bytes(i));
        }
        // String order: img_1, img_10, img_2, img_3
        assertEquals(40, folder.pixel(0, 2, 0, 0));
        assertEquals(120, folder.pixel(1, 2, 0, 0));
        assertEquals(80, folder.pixel(2, 2, 0, 0));
        assertEquals(0, folder.pixel(3, 2, 0, 0));
        assertThrows(IllegalStateException.class, () -> b.build("again"));

        ImageFolderReader.Builder dup = ImageFolderReader.builder(ImageFolderReader.Options.none());
        dup.add("x.png", rgb(2, 2, 0));
        assertThrows(DatasetException.class, () -> dup.add("x.png", rgb(2, 2, 0)));
    }

    @Test
    void sixteenBitGreyIsScaledToBytes() {
        BufferedImage im = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        im.getRaster().setSample(0, 0, 0, 65535);
        im.getRaster().setSample(1, 0, 0, 257 * 100);
        ImageFolderReader.Pixels p = ImageFolderReader.Pixels.of(im);
        assertEquals(1, p.channels());
        assertEquals(255, p.values()[0] & 0xff);
        assertEquals(100, p.values()[1] & 0xff);
    }
}
