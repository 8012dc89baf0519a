package dev.ncsn.model.quality;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.OwnedArrays;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.train.NoGrad;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The image classifier whose feature space FID and KID are measured in, and whose predictions give the Inception
 * score and the class histogram: Inception-v3 is trained on ImageNet photographs, so for 28×28 grey Fashion-MNIST
 * the project trains its own small network on Fashion-MNIST (as papers on MNIST-like data do).
 * <pre>
 *   x ↦ 2x − 1 → conv 3×3 (c1) → ReLU → max-pool 2 → conv 3×3 (c2) → ReLU → max-pool 2
 *     → flatten → linear (features) → ReLU = the features → linear (classes) = the logits
 * </pre>
 * Parameters, in this order: {@code conv1.weight} [c1, C, 3, 3], {@code conv1.bias}, {@code conv2.weight}
 * [c2, c1, 3, 3], {@code conv2.bias}, {@code fc1.weight} [features, c2·H/4·W/4], {@code fc1.bias},
 * {@code fc2.weight} [classes, features], {@code fc2.bias}; all start as PyTorch's Conv2d and Linear do,
 * U(−1/√fan_in, 1/√fan_in), drawn in that order from a {@link SplittableRandom} of the seed. The layers are DJL's
 * ({@link Conv2d#conv2d}, {@link Linear#linear}, {@link Pool#maxPool2d}).
 *
 * <p>On disk it is a directory like a score-network checkpoint: {@value #MANIFEST_FILE} (architecture, class
 * names, training settings and figures, the parameter table and the SHA-256 of the values) and
 * {@value #PARAMETERS_FILE} (the tensors in table order, row-major little-endian float32, no header).
 */
public final class FeatureClassifier implements AutoCloseable {

    public static final String MANIFEST_FILE = "manifest.json";
    public static final String PARAMETERS_FILE = "parameters.bin";
    public static final String KIND = "feature-classifier";
    public static final int FORMAT_VERSION = 1;

    /** Fashion-MNIST's labels 0–9. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Images evaluated per forward pass. */
    private static final int EVAL_BATCH = 500;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The network's shape.
     *
     * @param channels  image channels C
     * @param height    image height (a multiple of 4)
     * @param width     image width (a multiple of 4)
     * @param conv1     channels of the first convolution
     * @param conv2     channels of the second
     * @param features  dimension of the feature space
     * @param classes   number of classes
     */
    public record Architecture(int channels, int height, int width, int conv1, int conv2, int features, int classes) {

        /** The shipped classifier's shape: 28×28 grey, 16 and 32 channels, 128 features, 10 classes. */
        public static final Architecture FASHION_MNIST = new Architecture(1, 28, 28, 16, 32, 128, 10);

        public Architecture {
            if (channels < 1 || conv1 < 1 || conv2 < 1 || features < 1 || classes < 2) {
                throw new IllegalArgumentException("bad classifier architecture " + channels + "/" + conv1 + "/"
                        + conv2 + "/" + features + "/" + classes);
            }
            if (height < 4 || width < 4 || height % 4 != 0 || width % 4 != 0) {
                throw new IllegalArgumentException("image sides must be multiples of 4 (two 2× poolings), got "
                        + width + "×" + height);
            }
        }

        public int valuesPerImage() {
            return channels * height * width;
        }

        int flattened() {
            return conv2 * (height / 4) * (width / 4);
        }

        Map<String, Shape> parameterShapes() {
            Map<String, Shape> m = new LinkedHashMap<>();
            m.put("conv1.weight", new Shape(conv1, channels, 3, 3));
            m.put("conv1.bias", new Shape(conv1));
            m.put("conv2.weight", new Shape(conv2, conv1, 3, 3));
            m.put("conv2.bias", new Shape(conv2));
            m.put("fc1.weight", new Shape(features, flattened()));
            m.put("fc1.bias", new Shape(features));
            m.put("fc2.weight", new Shape(classes, features));
            m.put("fc2.bias", new Shape(classes));
            return m;
        }

        public long parameterCount() {
            return parameterShapes().values().stream().mapToLong(Shape::size).sum();
        }
    }

    /** What the classifier says about a set of images: features [n][features] and p(y | x) [n][classes]. */
    public record Outputs(double[][] features, double[][] probabilities) {

        public int count() {
            return features.length;
        }
    }

    private static final Shape POOL = new Shape(2, 2);
    private static final Shape NO_PAD = new Shape(0, 0);
    private static final Shape ONE = new Shape(1, 1);
    private static final Shape SAME = new Shape(1, 1);

    private final Architecture architecture;
    private final List<String> classNames;
    private final JsonNode info;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;

    private FeatureClassifier(Architecture architecture, List<String> classNames, JsonNode info,
                              Map<String, float[]> values) {
        if (classNames.size() != architecture.classes()) {
            throw new IllegalArgumentException(classNames.size() + " class names for " + architecture.classes()
                    + " classes");
        }
        this.architecture = architecture;
        this.classNames = List.copyOf(classNames);
        this.info = info;
        this.manager = NDManager.newBaseManager();
        Map<String, NDArray> p = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : architecture.parameterShapes().entrySet()) {
            NDArray a = OwnedArrays.copyOf(manager, values.get(e.getKey()), e.getValue());
            a.setRequiresGradient(true);
            p.put(e.getKey(), a);
        }
        this.parameters = Collections.unmodifiableMap(p);
    }

    /** A fresh, untrained classifier with PyTorch's initialisation drawn from {@code seed}. */
    public static FeatureClassifier create(Architecture architecture, List<String> classNames, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, Shape> shapes = architecture.parameterShapes();
        for (String layer : List.of("conv1", "conv2", "fc1", "fc2")) {
            Shape w = shapes.get(layer + ".weight");
            int fanIn = Math.toIntExact(w.size() / w.get(0));
            values.put(layer + ".weight", uniform(random, Math.toIntExact(w.size()), fanIn));
            values.put(layer + ".bias", uniform(random, Math.toIntExact(shapes.get(layer + ".bias").size()), fanIn));
        }
        return new FeatureClassifier(architecture, classNames, JSON.createObjectNode(), values);
    }

    private static float[] uniform(SplittableRandom random, int count, int fanIn) {
        double bound = 1 / Math.sqrt(fanIn);
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) random.nextDouble(-bound, bound);
        }
        return v;
    }

    public Architecture architecture() {
        return architecture;
    }

    public List<String> classNames() {
        return classNames;
    }

    /** What the manifest says besides the weights (training settings, test accuracy …); empty for a new one. */
    public JsonNode info() {
        return info;
    }

    /** The learnable tensors by name, in table order (for the optimiser). */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /**
     * [features, logits] of a batch x [N, C, H, W] already mapped to [−1, 1] ({@link #input}); differentiable in
     * the parameters. The results and every intermediate live in x's manager: give it one scope per batch.
     */
    public NDList forward(NDArray x) {
        NDArray h = Conv2d.conv2d(x, parameters.get("conv1.weight"), parameters.get("conv1.bias"), ONE, SAME).head();
        h = Pool.maxPool2d(Activation.relu(h), POOL, POOL, NO_PAD, false);
        h = Conv2d.conv2d(h, parameters.get("conv2.weight"), parameters.get("conv2.bias"), ONE, SAME).head();
        h = Pool.maxPool2d(Activation.relu(h), POOL, POOL, NO_PAD, false);
        NDArray flat = h.reshape(h.getShape().get(0), -1);
        NDArray features = Activation.relu(Linear.linear(flat, parameters.get("fc1.weight"),
                parameters.get("fc1.bias")).head());
        NDArray logits = Linear.linear(features, parameters.get("fc2.weight"), parameters.get("fc2.bias")).head();
        return new NDList(features, logits);
    }

    /**
     * Images {@code [from, from + count)} of {@code images} (floats in [0, 1], (C, H, W) each, one after another)
     * as a PyTorch-owned input batch, mapped to 2x − 1.
     */
    public NDArray input(NDManager manager, float[] images, int from, int count) {
        int per = architecture.valuesPerImage();
        float[] v = new float[count * per];
        for (int i = 0; i < v.length; i++) {
            v[i] = 2 * images[from * per + i] - 1;
        }
        return OwnedArrays.copyOf(manager, v, new Shape(count, architecture.channels(), architecture.height(),
                architecture.width()));
    }

    /** Features and class probabilities of {@code count} images (floats in [0, 1], clamped there first). */
    public Outputs evaluate(float[] images, int count) {
        int per = architecture.valuesPerImage();
        if ((long) count * per != images.length) {
            throw new IllegalArgumentException(count + " images of " + per + " values need " + (long) count * per
                    + " floats, got " + images.length);
        }
        double[][] features = new double[count][];
        double[][] probabilities = new double[count][];
        float[] batch = new float[Math.min(count, EVAL_BATCH) * per];
        try (NoGrad ignored = NoGrad.enter()) {
            for (int from = 0; from < count; from += EVAL_BATCH) {
                int n = Math.min(EVAL_BATCH, count - from);
                for (int i = 0; i < n * per; i++) {
                    batch[i] = Math.max(0f, Math.min(1f, images[from * per + i]));
                }
                try (NDManager scope = manager.newSubManager()) {
                    NDList out = forward(input(scope, batch, 0, n));
                    float[] f = out.get(0).toFloatArray();
                    float[] p = out.get(1).softmax(1).toFloatArray();
                    int d = architecture.features();
                    int k = architecture.classes();
                    for (int i = 0; i < n; i++) {
                        double[] fi = new double[d];
                        for (int j = 0; j < d; j++) {
                            fi[j] = f[i * d + j];
                        }
                        double[] pi = new double[k];
                        for (int j = 0; j < k; j++) {
                            pi[j] = p[i * k + j];
                        }
                        features[from + i] = fi;
                        probabilities[from + i] = pi;
                    }
                }
            }
        }
        return new Outputs(features, probabilities);
    }

    /** Every image of a data set, evaluated. */
    public Outputs evaluate(Dataset images) {
        checkShape(images);
        int[] all = new int[images.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return evaluate(images.batch(all), all.length);
    }

    /** The fraction of {@code images} whose most probable class is their label. */
    public double accuracy(Dataset images, int[] labels) {
        if (labels.length != images.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + labels.length + " labels");
        }
        double[][] p = evaluate(images).probabilities();
        int correct = 0;
        for (int i = 0; i < p.length; i++) {
            int best = 0;
            for (int c = 1; c < p[i].length; c++) {
                if (p[i][c] > p[i][best]) {
                    best = c;
                }
            }
            correct += best == labels[i] ? 1 : 0;
        }
        return (double) correct / p.length;
    }

    void checkShape(Dataset images) {
        if (images.channels() != architecture.channels() || images.height() != architecture.height()
                || images.width() != architecture.width()) {
            throw new IllegalArgumentException("the classifier takes " + architecture.channels() + "×"
                    + architecture.height() + "×" + architecture.width() + " images; " + images.source() + " holds "
                    + images.channels() + "×" + images.height() + "×" + images.width());
        }
    }

    /** Writes the classifier to {@code directory} (replaced atomically), with {@code info} in its manifest. */
    public void write(Path directory, JsonNode info) {
        try {
            ObjectNode manifest = JSON.createObjectNode();
            manifest.put("formatVersion", FORMAT_VERSION);
            manifest.put("kind", KIND);
            manifest.set("architecture", JSON.valueToTree(architecture));
            ArrayNode names = manifest.putArray("classNames");
            classNames.forEach(names::add);
            manifest.set("info", info == null ? JSON.createObjectNode() : info);
            ArrayNode table = manifest.putArray("parameters");
            long total = 0;
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                ObjectNode row = table.addObject();
                row.put("name", e.getKey());
                ArrayNode shape = row.putArray("shape");
                for (long s : e.getValue().getShape().getShape()) {
                    shape.add(s);
                }
                row.put("offset", total);
                total += 4 * e.getValue().getShape().size();
            }
            ByteBuffer bytes = ByteBuffer.allocate(Math.toIntExact(total)).order(ByteOrder.LITTLE_ENDIAN);
            for (NDArray a : parameters.values()) {
                for (float f : a.toFloatArray()) {
                    bytes.putFloat(f);
                }
            }
            byte[] data = bytes.array();
            manifest.put("sha256", HexFormat.of().formatHex(sha256().digest(data)));
            Path absolute = directory.toAbsolutePath();
            Files.createDirectories(absolute.getParent());
            Path tmp = Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".");
            try {
                // temporary directories are private; a model directory is as readable as any other
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            } catch (UnsupportedOperationException notPosix) {
                // keep the file system's default
            }
            Files.write(tmp.resolve(PARAMETERS_FILE), data);
            Files.write(tmp.resolve(MANIFEST_FILE), JSON.writeValueAsBytes(manifest));
            if (Files.isDirectory(absolute)) {
                // a directory cannot be renamed over a non-empty one: move the old one aside first
                Path old = Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".old.");
                Files.delete(old);
                Files.move(absolute, old, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
                for (String f : List.of(MANIFEST_FILE, PARAMETERS_FILE)) {
                    Files.deleteIfExists(old.resolve(f));
                }
                try (var rest = Files.list(old)) {
                    if (rest.findAny().isEmpty()) {
                        Files.delete(old);
                    }
                }
            } else {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the classifier to " + directory + ": " + e.getMessage(), e);
        }
    }

    /** Reads a classifier written by {@link #write}, checking the table, the file length and the SHA-256. */
    public static FeatureClassifier read(Path directory) {
        Path manifestFile = directory.resolve(MANIFEST_FILE);
        Path parametersFile = directory.resolve(PARAMETERS_FILE);
        if (!Files.isRegularFile(manifestFile) || !Files.isRegularFile(parametersFile)) {
            throw new IllegalArgumentException(directory + " is not a classifier: it needs " + MANIFEST_FILE + " and "
                    + PARAMETERS_FILE + " (train one with ./ncsn train-classifier)");
        }
        try {
            JsonNode manifest = JSON.readTree(manifestFile.toFile());
            if (!KIND.equals(manifest.path("kind").asText())) {
                throw new IllegalArgumentException(manifestFile + " is not a feature classifier's manifest (kind "
                        + manifest.path("kind") + ")");
            }
            if (manifest.path("formatVersion").asInt() != FORMAT_VERSION) {
                throw new IllegalArgumentException(manifestFile + ": format version " + manifest.path("formatVersion")
                        + ", this code reads " + FORMAT_VERSION);
            }
            Architecture architecture = JSON.treeToValue(manifest.get("architecture"), Architecture.class);
            List<String> names = JSON.convertValue(manifest.get("classNames"),
                    JSON.getTypeFactory().constructCollectionType(List.class, String.class));
            byte[] data = Files.readAllBytes(parametersFile);
            String sha = HexFormat.of().formatHex(sha256().digest(data));
            if (!sha.equals(manifest.path("sha256").asText())) {
                throw new IllegalArgumentException(parametersFile + " does not match its manifest (SHA-256 " + sha
                        + ", manifest " + manifest.path("sha256").asText() + ")");
            }
            Map<String, Shape> expected = architecture.parameterShapes();
            Map<String, float[]> values = new LinkedHashMap<>();
            ByteBuffer buffer = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            long end = 0;
            for (JsonNode row : manifest.path("parameters")) {
                String name = row.path("name").asText();
                Shape want = expected.get(name);
                long[] dims = JSON.convertValue(row.get("shape"), long[].class);
                if (want == null || !want.equals(new Shape(dims))) {
                    throw new IllegalArgumentException(manifestFile + ": parameter " + name + " " + new Shape(dims)
                            + " is not part of the architecture " + architecture);
                }
                long offset = row.path("offset").asLong();
                int count = Math.toIntExact(want.size());
                if (offset < 0 || offset + 4L * count > data.length) {
                    throw new IllegalArgumentException(parametersFile + " is too short for " + name);
                }
                float[] v = new float[count];
                buffer.position(Math.toIntExact(offset));
                buffer.asFloatBuffer().get(v);
                values.put(name, v);
                end = Math.max(end, offset + 4L * count);
            }
            if (!values.keySet().equals(expected.keySet())) {
                throw new IllegalArgumentException(manifestFile + " lists " + values.keySet() + ", the architecture "
                        + "needs " + expected.keySet());
            }
            if (end != data.length) {
                throw new IllegalArgumentException(parametersFile + " has " + data.length + " bytes, its table "
                        + end);
            }
            return new FeatureClassifier(architecture, names, manifest.path("info"), values);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the classifier in " + directory + ": " + e.getMessage(), e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
