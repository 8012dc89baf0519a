package dev.ncsn.model.image;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.*;

/** Images of the wrong size are refused from their header, before any pixel is decoded. */
class ImageDecoderBoundsTest {

    /** A valid PNG header declaring width × height grey pixels, with a little compressed data of zero rows. */
    static byte[] declaredPng(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream data = new DataOutputStream(out);
        data.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 0, 0, 0, 0}); // 8-bit grey, deflate, no filter method, no interlace
        chunk(data, "IHDR", ihdr.toByteArray());
        Deflater deflater = new Deflater(9);
        deflater.setInput(new byte[1 << 20]);
        deflater.finish();
        byte[] buffer = new byte[1 << 16];
        int n = deflater.deflate(buffer);
        byte[] idat = java.util.Arrays.copyOf(buffer, n);
        chunk(data, "IDAT", idat);
        chunk(data, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] body) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(body.length);
        out.write(t);
        out.write(body);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(body);
        out.writeInt((int) crc.getValue());
    }

    @Test
    void aPngDeclaringHugeDimensionsIsRefusedFromItsHeader() throws IOException {
        // 46,000 × 46,000 grey pixels would be a 2 GB raster: decoding it would throw OutOfMemoryError in this JVM.
        byte[] bomb = declaredPng(46_000, 46_000);
        assertTrue(bomb.length < 10_000, "a few kB of PNG");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.pixels(bomb, 1, 28, 28));
        assertEquals("image is 46000×46000 pixels; the model takes 28×28", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageDecoder.mask(bomb, 1, 28, 28));
        assertEquals("mask is 46000×46000 pixels; the model takes 28×28", e.getMessage());
    }

    @Test
    void imagesOfTheModelsSizeStillDecode() throws IOException {
        BufferedImage grey = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(3, 4, 0, 255);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(grey, "png", png);
        float[] pixels = ImageDecoder.pixels(png.toByteArray(), 1, 28, 28);
        assertEquals(1f, pixels[4 * 28 + 3], 1e-6);
        assertEquals(0f, pixels[0], 1e-6);
        assertTrue(ImageDecoder.mask(png.toByteArray(), 1, 28, 28)[4 * 28 + 3]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.pixels(png.toByteArray(), 1, 32, 32));
        assertEquals("image is 28×28 pixels; the model takes 32×32", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ImageDecoder.pixels("not an image".getBytes(StandardCharsets.UTF_8), 1, 28, 28));
        assertTrue(e.getMessage().startsWith("image is not a PNG"), e.getMessage());
    }
}
