package dev.ncsn.sampler.core;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.sampling.SamplingDefaults;
import dev.ncsn.model.sampling.PassLanes;
import dev.ncsn.model.sampling.SamplingRunner;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded, verified and warmed-up version of a model: its network, the NDManager that owns the network's
 * parameters (on the worker's device), and the runner that shares its forward passes between jobs on any sampler.
 *
 * <p>Reference counted: the {@link LiveModel} slot holds one reference while this is the live version, and every
 * job holds one through a {@link Lease} from admission until its terminal event. The network and its manager are
 * closed when the count reaches zero, i.e. when the version has been replaced and its last job has finished, so
 * a hot reload never pulls a network out from under a running job.
 */
public final class ServedModel {

    private final String model;
    private final String version;
    private final CheckpointManifest manifest;
    private final NDManager manager;
    private final TrainableScoreModel network;
    private final SamplingRunner sampler;
    private final int passBudget;
    private final AtomicInteger references = new AtomicInteger(1);
    private volatile boolean closed;

    /** With the default budget of a worker that sets none ({@code SamplerSettings.DEFAULT_BATCH_BUDGET}). */
    ServedModel(CheckpointManifest manifest, NDManager manager, TrainableScoreModel network) {
        this(manifest, manager, network, dev.ncsn.sampler.config.SamplerSettings.DEFAULT_BATCH_BUDGET);
    }

    /** @param passBudget images one shared forward pass of this version may hold ({@link BatchBudgets}) */
    ServedModel(CheckpointManifest manifest, NDManager manager, TrainableScoreModel network, int passBudget) {
        this(manifest, manager, network, passBudget, PassLanes.single());
    }

    /** @param lanes the threads its passes are split over (owned by the worker) */
    ServedModel(CheckpointManifest manifest, NDManager manager, TrainableScoreModel network, int passBudget,
                PassLanes lanes) {
        if (passBudget < 1) {
            throw new IllegalArgumentException("a pass budget must be positive, got " + passBudget);
        }
        this.passBudget = passBudget;
        this.model = manifest.modelName();
        this.version = manifest.versionId();
        this.manifest = manifest;
        this.manager = manager;
        this.network = network;
        this.sampler = new SamplingRunner(network, lanes);
    }

    public String model() {
        return model;
    }

    public String version() {
        return version;
    }

    public CheckpointManifest manifest() {
        return manifest;
    }

    /** Owns the parameters; forward passes make their temporary arrays in sub-managers of it. */
    public NDManager manager() {
        return manager;
    }

    public TrainableScoreModel network() {
        return network;
    }

    public SamplingRunner sampler() {
        return sampler;
    }

    /** T, ε and the final step of its jobs where their request does not say (its family and schedule decide). */
    public SamplingDefaults samplingDefaults() {
        return ScoreNetworks.samplingDefaults(manifest.architecture(), manifest.schedule());
    }

    /** Images one shared forward pass of this version may hold: measured or configured ({@link BatchBudgets}). */
    public int passBudget() {
        return passBudget;
    }

    /** (C, H, W) of one sample. */
    public Shape sampleShape() {
        return network.sampleShape();
    }

    public int channels() {
        return Math.toIntExact(sampleShape().get(0));
    }

    public int height() {
        return Math.toIntExact(sampleShape().get(1));
    }

    public int width() {
        return Math.toIntExact(sampleShape().get(2));
    }

    /** References held: the slot's (while live) plus one per job. */
    public int references() {
        return references.get();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Takes a reference unless the version has already been released for good. */
    boolean tryRetain() {
        while (true) {
            int n = references.get();
            if (n == 0) {
                return false;
            }
            if (references.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** A job's reference; {@link Lease#close()} gives it back (once). */
    Lease lease() {
        if (!tryRetain()) {
            throw new IllegalStateException("version " + version + " of " + model + " is already closed");
        }
        return new Lease(this);
    }

    void release() {
        int n = references.decrementAndGet();
        if (n == 0) {
            closed = true;
            network.close();
            manager.close();
        } else if (n < 0) {
            throw new IllegalStateException("version " + version + " of " + model + " released more often than retained");
        }
    }

    @Override
    public String toString() {
        return model + "/" + version;
    }

    /** A job's hold on a version: the version stays open until every lease on it is closed. */
    public static final class Lease implements AutoCloseable {

        private final ServedModel model;
        private final AtomicBoolean released = new AtomicBoolean();

        Lease(ServedModel model) {
            this.model = model;
        }

        public ServedModel model() {
            return model;
        }

        @Override
        public void close() {
            if (released.compareAndSet(false, true)) {
                model.release();
            }
        }
    }
}
