package dev.ncsn.model;

import ai.djl.ndarray.NDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A score model with learnable parameters: what the losses, the optimiser and the checkpoints work on, and what
 * {@link dev.ncsn.model.net.ScoreNetworks} builds for every caller.
 */
public interface TrainableScoreModel extends ScoreModel, AutoCloseable {

    /**
     * The parameters by stable name, in a fixed (insertion) order. The arrays are owned by the model; the optimiser
     * updates them in place. {@link #score} on them is differentiable when gradients are being recorded.
     */
    Map<String, NDArray> parameters();

    /** A copy of every parameter's values (row-major), by name in order. */
    default Map<String, float[]> parameterValues() {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters().forEach((name, array) -> values.put(name, array.toFloatArray()));
        return values;
    }

    /** Releases the native memory of the parameters. */
    @Override
    void close();
}
