package dev.ncsn.model.data;

import javax.imageio.ImageIO;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a folder of PNG or JPEG images into one {@link ByteDataset}, sorted by file name so that image {@code i}
 * is the same on every machine. Optionally applies the CelebA preprocessing of the NCSN reference code: a center
 * crop (140×140 for CelebA) then a resize (to 32×32 in the paper's CelebA configuration).
 *
 * <p>Every image must come out of the preprocessing with the same size; a folder of mixed sizes is rejected with
 * both file names. Channels: by default grey images give one channel and colour images three (alpha is dropped),
 * and a folder mixing grey and colour is rejected; {@link Options#channels()} 1 or 3 converts instead (colour to
 * grey by ITU-R 601 luma, grey to colour by repetition).
 *
 * <p>For images streamed one by one (objects of a store), use {@link #builder(Options)}.
 */
public final class ImageFolderReader {

    /** File name extensions read from a folder (case-insensitive); other files are ignored. */
    public static final Set<String> EXTENSIONS = Set.of("png", "jpg", "jpeg");
    /** The center crop of the NCSN reference code for CelebA (178×218 aligned faces). */
    public static final int CELEBA_CROP = 140;
    /** The image size of the paper's CelebA experiments. */
    public static final int CELEBA_SIZE = 32;

    private ImageFolderReader() {
    }

    /**
     * Preprocessing of each image, in this order: center crop to {@code cropSize}×{@code cropSize} (0 = none; the
     * image must be at least that large), resize so that the shorter side is {@code resize} keeping the aspect
     * ratio (0 = none; a square stays square; antialiased bilinear, as PIL's resize used by torchvision's
     * {@code Resize}), then channels: 0 = as the images are (all grey or all colour), 1 = grey, 3 = RGB.
     */
    public record Options(int cropSize, int resize, int channels) {

        public static final int AUTO_CHANNELS = 0;

        public Options {
            if (cropSize < 0 || resize < 0) {
                throw new IllegalArgumentException("crop size and resize must be positive, or 0 for none: "
                        + cropSize + ", " + resize);
            }
            if (channels != AUTO_CHANNELS && channels != 1 && channels != 3) {
                throw new IllegalArgumentException("channels must be 1, 3 or 0 (as the images are): " + channels);
            }
        }

        /** Images as they are. */
        public static Options none() {
            return new Options(0, 0, AUTO_CHANNELS);
        }

        /** Center crop to {@code cropSize} then resize to {@code size}. */
        public static Options centerCropResize(int cropSize, int size) {
            return new Options(cropSize, size, AUTO_CHANNELS);
        }

        /** The NCSN CelebA preprocessing: center crop 140, resize to 32, RGB. */
        public static Options celebA() {
            return celebA(CELEBA_SIZE);
        }

        /** Center crop 140, resize to {@code size}, RGB. */
        public static Options celebA(int size) {
            return new Options(CELEBA_CROP, size, 3);
        }

        public Options withChannels(int c) {
            return new Options(cropSize, resize, c);
        }

        String describe() {
            if (cropSize == 0 && resize == 0) {
                return "";
            }
            return " (after" + (cropSize > 0 ? " center crop " + cropSize : "") + (cropSize > 0 && resize > 0
                    ? " and" : "") + (resize > 0 ? " resize " + resize : "") + ")";
        }
    }

    /** Reads the images of {@code directory} (not its sub-directories) with no preprocessing. */
    public static ByteDataset read(Path directory) {
        return read(directory, Options.none());
    }

    /** Reads the images of {@code directory} (not its sub-directories), preprocessed by {@code options}. */
    public static ByteDataset read(Path directory, Options options) {
        if (!Files.isDirectory(directory)) {
            throw new DatasetException("not a directory: " + directory);
        }
        List<Path> files = imageFiles(directory);
        if (files.isEmpty()) {
            throw new DatasetException("no images in " + directory + ": looked for *.png, *.jpg, *.jpeg; "
                    + DataFiles.describeContents(directory, 10));
        }
        Builder b = builder(options);
        // Decoding dominates (CelebA has 200k JPEGs): decode in parallel; the builder sorts by name anyway.
        files.parallelStream().forEach(f -> {
            try (InputStream in = Files.newInputStream(f)) {
                b.add(DataFiles.name(f), in);
            } catch (IOException e) {
                throw new DatasetException("cannot read " + f + ": " + e, e);
            }
        });
        return b.build(directory.toString());
    }

    /** The image files of {@code directory} by name. */
    static List<Path> imageFiles(Path directory) {
        return DataFiles.list(directory).stream().filter(Files::isRegularFile)
                .filter(p -> {
                    String n = DataFiles.lowerName(p);
                    int dot = n.lastIndexOf('.');
                    return dot >= 0 && EXTENSIONS.contains(n.substring(dot + 1));
                }).toList();
    }

    public static Builder builder(Options options) {
        return new Builder(options);
    }

    /**
     * Collects images one at a time, e.g. from a store, each decoded and preprocessed as it is added and checked
     * against the size of the first; {@link #build} orders them by name. Safe to add from several threads.
     */
    public static final class Builder {

        private final Options options;
        private final TreeMap<String, byte[]> images = new TreeMap<>();
        private String firstName;
        private int channels;
        private int height;
        private int width;
        private boolean built;

        private Builder(Options options) {
            this.options = Objects.requireNonNull(options, "options");
        }

        /** Decodes a PNG or JPEG from {@code in} (read, not closed) under the unique {@code name}. */
        public Builder add(String name, InputStream in) {
            BufferedImage image;
            try {
                // A memory-cached stream: ImageIO.read(InputStream) may cache in a temporary file.
                image = ImageIO.read(new MemoryCacheImageInputStream(in));
            } catch (IOException | RuntimeException e) {
                throw new DatasetException(name + " is not a readable image: " + e.getMessage(), e);
            }
            if (image == null) {
                throw new DatasetException(name + " is not a PNG or JPEG image");
            }
            return add(name, image);
        }

        /** Adds a decoded image under the unique {@code name}. */
        public Builder add(String name, BufferedImage image) {
            Pixels p = preprocess(name, Pixels.of(image), options);
            synchronized (this) {
                if (built) {
                    throw new IllegalStateException("already built");
                }
                if (images.containsKey(name)) {
                    throw new DatasetException("two images named " + name);
                }
                if (firstName == null) {
                    firstName = name;
                    channels = p.channels;
                    height = p.height;
                    width = p.width;
                } else {
                    if (p.height != height || p.width != width) {
                        throw new DatasetException("images of different sizes: " + firstName + " is " + width + "×"
                                + height + " and " + name + " is " + p.width + "×" + p.height + options.describe()
                                + "; all images must have one size (center crop and resize options can make them"
                                + " so)");
                    }
                    if (p.channels != channels) {
                        throw new DatasetException("grey and colour images mixed: " + firstName + " has " + channels
                                + " channel(s) and " + name + " has " + p.channels
                                + "; set the channels option to 1 or 3 to convert them");
                    }
                }
                images.put(name, p.values);
            }
            return this;
        }

        public synchronized int size() {
            return images.size();
        }

        /**
         * All images added, by name, as one dataset; {@code source} names it. The builder gives its memory to the
         * dataset and cannot be used again.
         */
        public synchronized ByteDataset build(String source) {
            if (built) {
                throw new IllegalStateException("already built");
            }
            if (images.isEmpty()) {
                throw new DatasetException("no images in " + source);
            }
            built = true;
            int per = channels * height * width;
            long total = (long) images.size() * per;
            if (total > Integer.MAX_VALUE - 8) {
                throw new DatasetException(source + ": " + images.size() + " images of " + channels + "×" + height
                        + "×" + width + " (" + total + " bytes) are more than one dataset can hold in memory;"
                        + " resize them smaller");
            }
            int n = images.size();
            byte[] all = new byte[(int) total];
            int at = 0;
            for (Map.Entry<String, byte[]> e; (e = images.pollFirstEntry()) != null; at += per) {
                System.arraycopy(e.getValue(), 0, all, at, per);
            }
            return new ByteDataset(source, n, channels, height, width, all);
        }
    }

    /** One image as unsigned bytes (C, H, W). */
    record Pixels(int channels, int height, int width, byte[] values) {

        static Pixels of(BufferedImage image) {
            int w = image.getWidth();
            int h = image.getHeight();
            if (image.getColorModel() instanceof IndexColorModel icm) {
                return fromRgb(image, isGreyPalette(icm));
            }
            if (image.getColorModel().getColorSpace().getType() != ColorSpace.TYPE_GRAY) {
                return fromRgb(image, false);
            }
            // Grey images are read from the raster: getRGB would convert linear grey to sRGB, changing every value.
            Raster r = image.getRaster();
            int bits = image.getColorModel().getComponentSize(0);
            int max = (1 << bits) - 1;
            byte[] v = new byte[h * w];
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    v[y * w + x] = (byte) (bits == 8 ? row[x] : (row[x] * 255 + max / 2) / max);
                }
            }
            return new Pixels(1, h, w, v);
        }

        private static boolean isGreyPalette(IndexColorModel icm) {
            for (int i = 0; i < icm.getMapSize(); i++) {
                if (icm.getRed(i) != icm.getGreen(i) || icm.getGreen(i) != icm.getBlue(i)) {
                    return false;
                }
            }
            return true;
        }

        /** Through getRGB (sRGB, alpha dropped); {@code grey}: one channel, the palette being greys only. */
        private static Pixels fromRgb(BufferedImage image, boolean grey) {
            int w = image.getWidth();
            int h = image.getHeight();
            int plane = h * w;
            byte[] v = new byte[(grey ? 1 : 3) * plane];
            int[] rgb = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, rgb, 0, w);
                for (int x = 0; x < w; x++) {
                    int p = y * w + x;
                    if (grey) {
                        v[p] = (byte) rgb[x];
                    } else {
                        v[p] = (byte) (rgb[x] >> 16);
                        v[plane + p] = (byte) (rgb[x] >> 8);
                        v[2 * plane + p] = (byte) rgb[x];
                    }
                }
            }
            return new Pixels(grey ? 1 : 3, h, w, v);
        }
    }

    static Pixels preprocess(String name, Pixels p, Options o) {
        if (o.cropSize() > 0) {
            p = centerCrop(name, p, o.cropSize());
        }
        if (o.resize() > 0) {
            p = resize(p, o.resize());
        }
        if (o.channels() == 1 && p.channels == 3) {
            p = toGrey(p);
        } else if (o.channels() == 3 && p.channels == 1) {
            p = toColour(p);
        }
        return p;
    }

    /**
     * A {@code size}×{@code size} window at the center; where the margin is odd its extra pixel goes where
     * torchvision's CenterCrop puts it (offset {@code round((side - size) / 2)}, halves rounded to even).
     */
    static Pixels centerCrop(String name, Pixels p, int size) {
        if (p.height < size || p.width < size) {
            throw new DatasetException(name + " is " + p.width + "×" + p.height + ", smaller than the center crop "
                    + size + "×" + size);
        }
        int top = (int) Math.rint((p.height - size) / 2.0);
        int left = (int) Math.rint((p.width - size) / 2.0);
        byte[] out = new byte[p.channels * size * size];
        for (int c = 0; c < p.channels; c++) {
            for (int y = 0; y < size; y++) {
                System.arraycopy(p.values, (c * p.height + top + y) * p.width + left, out, (c * size + y) * size, size);
            }
        }
        return new Pixels(p.channels, size, size, out);
    }

    /**
     * Shorter side to {@code size}, the longer one to {@code (int) (size * long / short)} as torchvision's
     * Resize(int) does, with a triangle (bilinear) filter widened by the scale factor when shrinking, so that every
     * input pixel contributes (antialiasing, as PIL's resize).
     */
    static Pixels resize(Pixels p, int size) {
        int outH;
        int outW;
        if (p.width <= p.height) {
            outW = size;
            outH = (int) ((double) size * p.height / p.width);
        } else {
            outH = size;
            outW = (int) ((double) size * p.width / p.height);
        }
        if (outH == p.height && outW == p.width) {
            return p;
        }
        Filter fx = new Filter(p.width, outW);
        Filter fy = new Filter(p.height, outH);
        byte[] out = new byte[p.channels * outH * outW];
        float[] rows = new float[p.height * outW];
        for (int c = 0; c < p.channels; c++) {
            int base = c * p.height * p.width;
            for (int y = 0; y < p.height; y++) {
                for (int x = 0; x < outW; x++) {
                    float s = 0;
                    for (int k = 0; k < fx.count[x]; k++) {
                        s += fx.weights[x][k] * (p.values[base + y * p.width + fx.first[x] + k] & 0xff);
                    }
                    rows[y * outW + x] = s;
                }
            }
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    float s = 0;
                    for (int k = 0; k < fy.count[y]; k++) {
                        s += fy.weights[y][k] * rows[(fy.first[y] + k) * outW + x];
                    }
                    out[(c * outH + y) * outW + x] = (byte) Math.max(0, Math.min(255, Math.round(s)));
                }
            }
        }
        return new Pixels(p.channels, outH, outW, out);
    }

    /** Normalised triangle-filter weights from {@code in} samples to each of {@code out}. */
    private static final class Filter {
        final int[] first;
        final int[] count;
        final float[][] weights;

        Filter(int in, int out) {
            double scale = (double) in / out;
            double width = Math.max(scale, 1.0);
            first = new int[out];
            count = new int[out];
            weights = new float[out][];
            for (int o = 0; o < out; o++) {
                double center = (o + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - width - 0.5));
                int hi = Math.min(in - 1, (int) Math.ceil(center + width - 0.5));
                double[] w = new double[hi - lo + 1];
                double sum = 0;
                for (int j = lo; j <= hi; j++) {
                    double t = Math.abs(j + 0.5 - center) / width;
                    w[j - lo] = Math.max(0, 1 - t);
                    sum += w[j - lo];
                }
                first[o] = lo;
                count[o] = w.length;
                weights[o] = new float[w.length];
                for (int k = 0; k < w.length; k++) {
                    weights[o][k] = (float) (w[k] / sum);
                }
            }
        }
    }

    /** ITU-R 601-2 luma, L = (299 R + 587 G + 114 B) / 1000, rounded. */
    static Pixels toGrey(Pixels p) {
        int plane = p.height * p.width;
        byte[] out = new byte[plane];
        for (int i = 0; i < plane; i++) {
            int r = p.values[i] & 0xff;
            int g = p.values[plane + i] & 0xff;
            int b = p.values[2 * plane + i] & 0xff;
            out[i] = (byte) ((r * 299 + g * 587 + b * 114 + 500) / 1000);
        }
        return new Pixels(1, p.height, p.width, out);
    }

    static Pixels toColour(Pixels p) {
        int plane = p.height * p.width;
        byte[] out = new byte[3 * plane];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(p.values, 0, out, c * plane, plane);
        }
        return new Pixels(3, p.height, p.width, out);
    }
}
