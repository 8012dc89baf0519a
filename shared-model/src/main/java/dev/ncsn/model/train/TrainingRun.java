package dev.ncsn.model.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.data.BatchSampler;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.loss.DenoisingScoreMatching;
import dev.ncsn.model.loss.ScoreMatchingLoss;
import dev.ncsn.model.loss.SlicedScoreMatching;
import dev.ncsn.model.net.ScoreNetworks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * One training run of a score network: Adam on a score-matching objective, with an exponential moving average of
 * the weights. A run is a pure function of its config, its data and its step count: the batch of step k is drawn
 * by {@link BatchSampler} from (seed, k), and the noise and levels of step k from a generator seeded by (seed, k).
 * So {@link #saveState} + {@link #resume} continue exactly where a crashed run stopped, bit for bit.
 *
 * <p>Owns one NDManager for its weights, optimiser and EMA; each step works in a sub-manager closed at its end.
 * Not thread-safe.
 */
public final class TrainingRun implements AutoCloseable {

    private static final ObjectMapper JSON = JsonMapper.builder().findAndAddModules().build();
    private static final String LATEST = "LATEST";

    private final TrainingConfig config;
    private final Dataset data;
    private final BatchSampler batches;
    private final ScoreMatchingLoss objective;
    private final NDManager manager;
    private final TrainableScoreModel network;
    private final Adam adam;
    private final ExponentialMovingAverage ema;
    private TrainableScoreModel emaNetwork;
    private long step;

    private TrainingRun(TrainingConfig config, Dataset data) {
        requireFits(config, data);
        this.config = config;
        this.data = data;
        this.batches = new BatchSampler(data, config.batchSize(), config.seed(), config.randomFlip());
        this.objective = config.objective() == TrainingConfig.Objective.DSM
                ? new DenoisingScoreMatching() : new SlicedScoreMatching();
        this.manager = NDManager.newBaseManager();
        try {
            this.network = ScoreNetworks.create(config.architecture(), config.schedule(), manager, config.seed());
            this.adam = new Adam(config.learningRate(), Adam.PAPER_BETA1, Adam.PAPER_BETA2, Adam.PAPER_EPSILON);
            this.ema = new ExponentialMovingAverage(network.parameters(), config.emaRate());
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** A new run from freshly initialised weights. */
    public static TrainingRun start(TrainingConfig config, Dataset data) {
        return new TrainingRun(config, data);
    }

    /**
     * A new run that continues from published weights (fine-tuning, continuous retraining on new data): the network
     * and its moving average both start as {@code initial}'s parameters, Adam's moments start at zero, and the step
     * counter starts at {@code startStep} (usually the checkpoint's training step, so steps keep counting the
     * updates the weights have had). Data order and noise are then those of steps startStep, startStep+1, … of
     * {@code config.seed()}; {@link #saveState}/{@link #resume} work as for any run.
     */
    public static TrainingRun startFrom(TrainingConfig config, Dataset data, LoadedCheckpoint initial, long startStep) {
        if (startStep < 0) {
            throw new IllegalArgumentException("start step must be non-negative, got " + startStep);
        }
        TrainingRun run = new TrainingRun(config, data);
        try {
            initial.loadInto(run.network, config.architecture());
            run.ema.importState(values(initial));
            run.step = startStep;
            return run;
        } catch (RuntimeException e) {
            run.close();
            throw e;
        }
    }

    private static void requireFits(TrainingConfig config, Dataset data) {
        var arch = config.architecture();
        if (data.channels() != arch.channels() || data.height() != arch.imageSize() || data.width() != arch.imageSize()) {
            throw new IllegalArgumentException("the data has images of " + data.channels() + "×" + data.height() + "×"
                    + data.width() + ", the " + arch.preset() + " network takes " + arch.channels() + "×"
                    + arch.imageSize() + "×" + arch.imageSize());
        }
        if (data.size() < 1) {
            throw new IllegalArgumentException("the data set is empty");
        }
    }

    public TrainingConfig config() {
        return config;
    }

    /** Steps taken so far. */
    public long step() {
        return step;
    }

    public Dataset data() {
        return data;
    }

    public int epoch() {
        return batches.epochOf(step);
    }

    /** The network being trained (not the EMA weights). */
    public TrainableScoreModel network() {
        return network;
    }

    /**
     * One optimisation step. Returns the batch's loss. A non-finite loss stops the run before it touches the
     * weights, with an exception that says so.
     */
    public double trainStep() {
        float[] images = batches.batch(step);
        int n = batches.batchSizeAt(step);
        var arch = config.architecture();
        double value;
        try (NDManager stepManager = manager.newSubManager()) {
            NDArray x = stepManager.create(images, new Shape(n, arch.channels(), arch.imageSize(), arch.imageSize()));
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray loss = objective.loss(network, x, noiseFor(step));
                value = loss.getFloat();
                if (!Double.isFinite(value)) {
                    throw new IllegalStateException("training diverged at step " + step + ": loss is " + value
                            + "; lower the learning rate or resume from an earlier state");
                }
                collector.backward(loss);
            }
        }
        adam.step(network.parameters());
        ema.update(network.parameters());
        step++;
        return value;
    }

    /** The generator of step k's levels and noise: a function of (seed, k) only. */
    private SplittableRandom noiseFor(long k) {
        return new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L + k * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL);
    }

    /** A network holding the current EMA weights, for sampling and publishing; refreshed on each call. */
    public TrainableScoreModel emaNetwork() {
        if (emaNetwork == null) {
            emaNetwork = ScoreNetworks.create(config.architecture(), config.schedule(), manager, config.seed());
        }
        ema.copyTo(emaNetwork);
        return emaNetwork;
    }

    /** The checkpoint manifest (before sealing) for the current EMA weights. */
    public CheckpointManifest emaManifest(String versionId) {
        return CheckpointManifest.of(config.modelName(), versionId, config.architecture(), config.schedule(),
                CheckpointManifest.DataShape.of(config.architecture()), step, true, Instant.now())
                .withScheduleDesign(config.scheduleDesign());
    }

    /** Writes the current EMA weights as a checkpoint directory (atomically). */
    public CheckpointManifest writeEmaCheckpoint(Path dir, String versionId) {
        return Checkpoint.write(dir, emaManifest(versionId), emaNetwork().parameters());
    }

    // ---------------------------------------------------------------------------------------------- resume

    /**
     * Saves everything a resume needs under {@code stateRoot/step-K/} (weights, EMA, Adam's moments and step count,
     * the config), then points {@code stateRoot/LATEST} at it, so a crash while saving leaves the previous state
     * intact. Keeps the newest {@code keep} states.
     */
    public Path saveState(Path stateRoot, int keep) {
        String name = String.format("step-%09d", step);
        Path target = stateRoot.resolve(name);
        try {
            Files.createDirectories(stateRoot);
            if (Files.exists(target)) {
                deleteTree(target); // an earlier save of the same step that did not reach LATEST
            }
            Path tmp = Files.createTempDirectory(stateRoot, "." + name + ".tmp-");
            String version = name;
            Checkpoint.write(tmp.resolve("weights"), manifest(version, false), network.parameters());
            Checkpoint.write(tmp.resolve("ema"), manifest(version, true), emaNetwork().parameters());
            Adam.State state = adam.exportState();
            try (NDManager tmpManager = manager.newSubManager()) {
                Checkpoint.write(tmp.resolve("adam-m"), manifest(version, false), arrays(state.firstMoment(), tmpManager));
                Checkpoint.write(tmp.resolve("adam-v"), manifest(version, false), arrays(state.secondMoment(), tmpManager));
            }
            ObjectNode meta = JSON.createObjectNode();
            meta.put("step", step);
            meta.put("adamStep", state.step());
            meta.set("config", JSON.valueToTree(config));
            meta.put("data", data.toString());
            meta.put("dataSize", data.size());
            meta.put("savedAt", Instant.now().toString());
            Files.write(tmp.resolve("state.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(meta));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            Path latestTmp = stateRoot.resolve(LATEST + ".tmp");
            Files.writeString(latestTmp, name + "\n");
            Files.move(latestTmp, stateRoot.resolve(LATEST), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            prune(stateRoot, keep);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the training state under " + stateRoot, e);
        }
    }

    /** Whether stateRoot holds a saved state to resume from. */
    public static boolean hasState(Path stateRoot) {
        return Files.isRegularFile(stateRoot.resolve(LATEST));
    }

    /** The config a saved state was trained with. */
    public static TrainingConfig savedConfig(Path stateRoot) {
        try {
            Path dir = latest(stateRoot);
            return JSON.treeToValue(JSON.readTree(dir.resolve("state.json").toFile()).get("config"), TrainingConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the training state under " + stateRoot, e);
        }
    }

    /**
     * Continues the run saved under stateRoot on the given data: the same weights, moments, EMA and step, so the
     * next step is the one an uninterrupted run would have taken.
     */
    public static TrainingRun resume(Path stateRoot, Dataset data) {
        Path dir = latest(stateRoot);
        TrainingConfig config = savedConfig(stateRoot);
        TrainingRun run = new TrainingRun(config, data);
        try {
            var meta = JSON.readTree(dir.resolve("state.json").toFile());
            LoadedCheckpoint weights = Checkpoint.read(dir.resolve("weights"), config.architecture(), config.schedule());
            weights.loadInto(run.network);
            LoadedCheckpoint emaWeights = Checkpoint.read(dir.resolve("ema"), config.architecture(), config.schedule());
            run.ema.importState(values(emaWeights));
            run.adam.importState(new Adam.State(meta.get("adamStep").asLong(),
                    values(Checkpoint.read(dir.resolve("adam-m"))), values(Checkpoint.read(dir.resolve("adam-v")))));
            run.step = meta.get("step").asLong();
            return run;
        } catch (IOException | RuntimeException e) {
            run.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot resume from " + dir, io);
            }
            throw (RuntimeException) e;
        }
    }

    private static Path latest(Path stateRoot) {
        try {
            String name = Files.readString(stateRoot.resolve(LATEST)).trim();
            return stateRoot.resolve(name);
        } catch (IOException e) {
            throw new UncheckedIOException("no training state to resume under " + stateRoot, e);
        }
    }

    private CheckpointManifest manifest(String version, boolean isEma) {
        return CheckpointManifest.of(config.modelName(), version, config.architecture(), config.schedule(),
                CheckpointManifest.DataShape.of(config.architecture()), step, isEma, Instant.now())
                .withScheduleDesign(config.scheduleDesign());
    }

    private Map<String, NDArray> arrays(Map<String, float[]> values, NDManager into) {
        Map<String, NDArray> parameters = network.parameters();
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, float[]> e : values.entrySet()) {
            out.put(e.getKey(), into.create(e.getValue(), parameters.get(e.getKey()).getShape()));
        }
        return out;
    }

    private static Map<String, float[]> values(LoadedCheckpoint checkpoint) {
        Map<String, float[]> out = new LinkedHashMap<>();
        checkpoint.parameters().forEach((name, tensor) -> out.put(name, tensor.values()));
        return out;
    }

    private static void prune(Path stateRoot, int keep) throws IOException {
        List<Path> states;
        try (Stream<Path> s = Files.list(stateRoot)) {
            states = s.filter(p -> p.getFileName().toString().startsWith("step-") && Files.isDirectory(p))
                    .sorted(Comparator.comparing(Path::toString).reversed()).toList();
        }
        for (int i = Math.max(1, keep); i < states.size(); i++) {
            deleteTree(states.get(i));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public void close() {
        ema.close();
        adam.close();
        manager.close();
    }
}
