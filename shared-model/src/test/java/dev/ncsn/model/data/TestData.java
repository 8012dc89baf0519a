package dev.ncsn.model.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** The committed Fashion-MNIST subset and helpers to make test files. */
final class TestData {

    static final int TRAIN_COUNT = 1500;
    static final int TEST_COUNT = 500;

    private TestData() {
    }

    /** The directory of the committed subset (test resources on the class path). */
    static Path subsetDirectory() {
        try {
            return Path.of(TestData.class.getResource("/fashion-mnist-subset/README.md").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static InputStream subsetStream(String name) {
        InputStream in = TestData.class.getResourceAsStream("/fashion-mnist-subset/" + name);
        if (in == null) {
            throw new IllegalStateException("missing test resource " + name);
        }
        return in;
    }

    static byte[] gunzip(byte[] gz) {
        try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Big-endian int32 at {@code at}, read here independently of the reader under test. */
    static int int32(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
    }

    /** An IDX images header for {@code n} images of rows×cols. */
    static byte[] idxHeader(int magic, int n, int rows, int cols) {
        byte[] h = new byte[16];
        int[] v = {magic, n, rows, cols};
        for (int k = 0; k < 4; k++) {
            h[4 * k] = (byte) (v[k] >>> 24);
            h[4 * k + 1] = (byte) (v[k] >>> 16);
            h[4 * k + 2] = (byte) (v[k] >>> 8);
            h[4 * k + 3] = (byte) v[k];
        }
        return h;
    }
}
