package dev.ncsn.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.net.Architecture;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test-only model: score = x ⊙ w, plus an unused per-level bias so that there are two parameters. */
final class TinyScoreModel implements TrainableScoreModel {

    static final Architecture ARCHITECTURE = new Architecture("test", 1, 4, 8, 3);
    static final NoiseSchedule SCHEDULE = new NoiseSchedule(1.0, 0.1, 3);
    static final Shape SAMPLE_SHAPE = new Shape(1, 4, 4);

    /** The parameter shapes of the standard tiny model. */
    static Map<String, Shape> standardShapes() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("scale.weight", SAMPLE_SHAPE);
        shapes.put("level.bias", new Shape(3, 1));
        return shapes;
    }

    private final NDManager manager;
    private final NoiseSchedule schedule;
    private final Map<String, NDArray> parameters;

    TinyScoreModel(NDManager parent, Map<String, Shape> shapes, NoiseSchedule schedule, long seed) {
        this.manager = parent.newSubManager();
        this.schedule = schedule;
        Map<String, NDArray> params = new LinkedHashMap<>();
        java.util.Random random = new java.util.Random(seed);
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            float[] values = new float[Math.toIntExact(e.getValue().size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            NDArray array = manager.create(values, e.getValue());
            array.setRequiresGradient(true);
            params.put(e.getKey(), array);
        }
        this.parameters = Collections.unmodifiableMap(params);
    }

    static TinyScoreModel standard(NDManager parent, long seed) {
        return new TinyScoreModel(parent, standardShapes(), SCHEDULE, seed);
    }

    @Override
    public Shape sampleShape() {
        return SAMPLE_SHAPE;
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public NDArray score(NDArray x, NDArray levels) {
        return x.mul(parameters.get("scale.weight"));
    }

    @Override
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    @Override
    public void close() {
        manager.close();
    }
}
