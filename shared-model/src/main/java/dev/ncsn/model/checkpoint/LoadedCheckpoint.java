package dev.ncsn.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A verified checkpoint in memory: its manifest and its parameter values as Java arrays (no native memory), in table
 * order. Obtained from {@link Checkpoint#read}; checksum, length and table have been checked already.
 */
public final class LoadedCheckpoint {

    private static final int MAX_LISTED_PROBLEMS = 12;

    private final CheckpointManifest manifest;
    private final Map<String, Tensor> parameters;

    LoadedCheckpoint(CheckpointManifest manifest, Map<String, Tensor> parameters) {
        this.manifest = Objects.requireNonNull(manifest);
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    public CheckpointManifest manifest() {
        return manifest;
    }

    /** The parameter values by name, in the order of the parameter table. Do not modify the arrays. */
    public Map<String, Tensor> parameters() {
        return parameters;
    }

    /** One parameter's values. @throws CheckpointException if the checkpoint has no such parameter */
    public Tensor parameter(String name) {
        Tensor t = parameters.get(name);
        if (t == null) {
            throw new CheckpointException("checkpoint " + id() + " has no parameter " + name);
        }
        return t;
    }

    /** Fresh float32 arrays in this manager, by name in table order; the caller owns them through the manager. */
    public Map<String, NDArray> toNDArrays(NDManager manager) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            arrays.put(e.getKey(), e.getValue().toNDArray(manager));
        }
        return arrays;
    }

    /** See {@link CheckpointManifest#requireCompatible}; returns this. */
    public LoadedCheckpoint requireCompatible(Architecture expectedArchitecture, NoiseSchedule expectedSchedule) {
        manifest.requireCompatible(expectedArchitecture, expectedSchedule);
        return this;
    }

    /**
     * Checks that the checkpoint fits the model exactly: same noise schedule, same sample shape, the same parameter
     * names with the same shapes (every parameter the model has is present, there are no others), float32.
     *
     * @throws CheckpointException listing what does not fit
     */
    public void requireFits(TrainableScoreModel model) {
        List<String> problems = new ArrayList<>();
        if (!manifest.schedule().equals(model.schedule())) {
            problems.add("checkpoint was trained for noise schedule " + manifest.schedule() + ", model uses "
                    + model.schedule());
        }
        Shape expectedSample = manifest.dataShape().toShape();
        if (!expectedSample.equals(model.sampleShape())) {
            problems.add("checkpoint data shape is " + expectedSample + ", model samples have shape "
                    + model.sampleShape());
        }
        Map<String, NDArray> target = model.parameters();
        for (Map.Entry<String, NDArray> e : target.entrySet()) {
            String name = e.getKey();
            NDArray array = e.getValue();
            Tensor stored = parameters.get(name);
            if (stored == null) {
                problems.add("parameter " + name + " " + array.getShape() + " is missing from the checkpoint");
            } else if (!stored.shape().equals(array.getShape())) {
                problems.add("parameter " + name + " has shape " + stored.shape() + ", model expects "
                        + array.getShape());
            } else if (array.getDataType() != DataType.FLOAT32) {
                problems.add("model parameter " + name + " is " + array.getDataType() + ", checkpoints hold float32");
            }
        }
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            if (!target.containsKey(e.getKey())) {
                problems.add("checkpoint has parameter " + e.getKey() + " " + e.getValue().shape()
                        + " that the model does not have");
            }
        }
        if (!problems.isEmpty()) {
            List<String> shown = problems.size() > MAX_LISTED_PROBLEMS
                    ? new ArrayList<>(problems.subList(0, MAX_LISTED_PROBLEMS)) : problems;
            if (shown != problems) {
                shown.add("… and " + (problems.size() - MAX_LISTED_PROBLEMS) + " more");
            }
            throw new CheckpointException("checkpoint " + id() + " does not fit the model: "
                    + String.join("; ", shown));
        }
    }

    /**
     * Copies the values into the model's own parameter arrays, in place (the arrays keep their identity, so an
     * optimiser holding them stays valid), after {@link #requireFits} passed; on failure the model is untouched.
     */
    public void loadInto(TrainableScoreModel model) {
        requireFits(model);
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            e.getValue().set(FloatBuffer.wrap(parameters.get(e.getKey()).values()));
        }
    }

    /**
     * A network of the manifest's family and architecture for its schedule, built by {@link ScoreNetworks}, holding
     * these parameters: "build a network from the manifest, then load" for every caller. Its parameters belong to
     * {@code manager}; on failure nothing is left open.
     *
     * @throws CheckpointException when the family is unknown or the parameters do not fit the network
     */
    public TrainableScoreModel newNetwork(NDManager manager) {
        TrainableScoreModel network;
        try {
            network = ScoreNetworks.create(manifest.architecture(), manifest.schedule(), manager, 0L);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint " + id() + " cannot be built: " + e.getMessage(), e);
        }
        try {
            loadInto(network);
            return network;
        } catch (RuntimeException e) {
            network.close();
            throw e;
        }
    }

    /** As {@link #loadInto(TrainableScoreModel)}, first checking the architecture the model was built with. */
    public void loadInto(TrainableScoreModel model, Architecture expectedArchitecture) {
        manifest.requireCompatible(expectedArchitecture, null);
        loadInto(model);
    }

    private String id() {
        return manifest.modelName() + "/" + manifest.versionId();
    }

    @Override
    public String toString() {
        return "LoadedCheckpoint[" + id() + ", step " + manifest.trainingStep() + ", " + parameters.size()
                + " parameters]";
    }

    /**
     * One parameter's values: row-major float32 elements and their shape.
     *
     * <p>Equality compares the float bits ({@link Arrays#equals(float[], float[])}), so it means bit-identical
     * up to NaN payloads.
     */
    public record Tensor(Shape shape, float[] values) {

        public Tensor {
            Objects.requireNonNull(shape, "shape");
            Objects.requireNonNull(values, "values");
            if (shape.size() != values.length) {
                throw new IllegalArgumentException("shape " + shape + " has " + shape.size() + " elements, got "
                        + values.length + " values");
            }
        }

        /** A fresh float32 array in this manager. */
        public NDArray toNDArray(NDManager manager) {
            return manager.create(values, shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && shape.equals(t.shape) && Arrays.equals(values, t.values);
        }

        @Override
        public int hashCode() {
            return 31 * shape.hashCode() + Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Tensor" + shape;
        }
    }
}
