package dev.ncsn.sampler.core;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.checkpoint.CheckpointException;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.checkpoint.LoadedCheckpoint;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.sampling.PassLanes;
import dev.ncsn.model.store.ModelStore;

import java.util.Arrays;
import java.util.Locale;

/**
 * Turns a version in the {@link ModelStore} into a {@link ServedModel}: downloads it, verifies it (the store checks
 * the checksum, the size and the parameter table against the manifest; {@link LoadedCheckpoint#loadInto} checks
 * every parameter's name and shape against a network built from the manifest's architecture), loads it onto the
 * worker's device and warms it up with one forward pass at every noise level, whose scores must be finite. Then
 * the version gets its per-pass sample budget ({@link BatchBudgets}: configured, or measured on this network).
 * Anything that fails is a {@link CheckpointException} and leaves nothing open.
 */
public final class ModelLoader {

    private final ModelStore store;
    private final Device device;
    private final BatchBudgets budgets;
    private final PassLanes lanes;

    /** @param budgets the per-pass sample budget of each version loaded: configured, or measured after warm-up */
    public ModelLoader(ModelStore store, Device device, BatchBudgets budgets) {
        this(store, device, budgets, PassLanes.single());
    }

    /** @param lanes the threads every loaded version's passes are split over (the caller closes them) */
    public ModelLoader(ModelStore store, Device device, BatchBudgets budgets, PassLanes lanes) {
        if (budgets.lanes() != lanes.count()) {
            throw new IllegalArgumentException("budgets for " + budgets.lanes() + " lanes, passes on " + lanes);
        }
        this.store = store;
        this.device = device;
        this.budgets = budgets;
        this.lanes = lanes;
    }

    /**
     * The device for a setting: "cpu", "gpu" (fails without one) or "auto": the GPU when DJL's PyTorch engine sees
     * one (CUDA natives installed and a driver present), else the CPU.
     */
    public static Device device(String setting) {
        String s = setting == null ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "cpu" -> Device.cpu();
            case "gpu" -> {
                if (Engine.getInstance().getGpuCount() == 0) {
                    throw new IllegalStateException("ncsn.sampler.device=gpu but DJL finds no GPU (engine "
                            + Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion()
                            + "); install the CUDA flavour of the PyTorch natives, see the README");
                }
                yield Device.gpu();
            }
            case "auto" -> Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
            default -> throw new IllegalArgumentException("ncsn.sampler.device must be auto, cpu or gpu, not '"
                    + setting + "'");
        };
    }

    public Device device() {
        return device;
    }

    /** The per-pass budgets of the versions loaded (and the measurements behind them). */
    public BatchBudgets budgets() {
        return budgets;
    }

    /** Loads, verifies and warms up a version, and gives it its budget (measured on it when auto and new). */
    public ServedModel load(String model, String version) {
        return load(model, version, true);
    }

    private ServedModel load(String model, String version, boolean measure) {
        CheckpointManifest manifest = store.manifest(model, version).orElseThrow(() -> new CheckpointException(
                "version " + version + " of " + model + " does not exist (no manifest)"));
        if (!manifest.modelName().equals(model) || !manifest.versionId().equals(version)) {
            throw new CheckpointException("the manifest at " + ModelStore.versionPrefix(model, version)
                    + " describes " + manifest.modelName() + "/" + manifest.versionId());
        }
        Architecture architecture = manifest.architecture();
        NoiseSchedule schedule = manifest.schedule();
        LoadedCheckpoint checkpoint = store.fetch(model, version, architecture, schedule);
        NDManager manager = NDManager.newBaseManager(device);
        TrainableScoreModel network = null;
        try {
            network = checkpoint.newNetwork(manager);
            warmUp(network, manager, model + "/" + version);
            String what = model + "/" + version;
            int budget = measure ? budgets.budgetFor(network, manager, architecture, device, what)
                    : budgets.budgetWithoutMeasuring(architecture, device, what);
            return new ServedModel(checkpoint.manifest(), manager, network, budget, lanes);
        } catch (RuntimeException e) {
            if (network != null) {
                network.close();
            }
            manager.close();
            if (e instanceof CheckpointException) {
                throw e;
            }
            throw new CheckpointException("version " + version + " of " + model + " cannot be served: " + e, e);
        }
    }

    /**
     * A version that is not live, loaded for one job (a resume on the version of its snapshot): the version
     * closes when that job's lease is closed. It runs on the request consumer's thread, so its budget is not
     * measured ({@link BatchBudgets#budgetWithoutMeasuring}).
     */
    public ServedModel.Lease loadForOneJob(String model, String version) {
        ServedModel served = load(model, version, false);
        ServedModel.Lease lease = served.lease();
        served.release();
        return lease;
    }

    /** One forward pass with a sample at every level: compiles kernels and refuses networks that give NaN or ∞. */
    static void warmUp(TrainableScoreModel network, NDManager manager, String what) {
        int levels = network.schedule().levels();
        Shape sample = network.sampleShape();
        long[] dims = new long[sample.dimension() + 1];
        dims[0] = levels;
        System.arraycopy(sample.getShape(), 0, dims, 1, sample.dimension());
        float[] x = new float[Math.toIntExact(levels * sample.size())];
        Arrays.fill(x, 0.5f);
        long[] levelIndex = new long[levels];
        for (int i = 0; i < levels; i++) {
            levelIndex[i] = i;
        }
        float[] scores;
        try (NDManager pass = manager.newSubManager()) {
            scores = network.score(pass.create(x, new Shape(dims)), pass.create(levelIndex)).toFloatArray();
        }
        for (float s : scores) {
            if (!Float.isFinite(s)) {
                throw new CheckpointException(what + " gives non-finite scores in its warm-up pass; refusing to serve it");
            }
        }
    }
}
