package dev.ncsn.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.NoiseSchedule;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A checkpoint must fit the model it is loaded into exactly; nothing is copied when it does not. */
class CheckpointFitTest {

    @TempDir
    Path tmp;

    NDManager manager;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** A checkpoint of the standard tiny model. */
    LoadedCheckpoint standardCheckpoint() {
        try (TinyScoreModel source = TinyScoreModel.standard(manager, 1)) {
            Path dir = tmp.resolve("ckpt");
            Checkpoint.write(dir, CheckpointTest.meta(), source.parameters());
            return Checkpoint.read(dir);
        }
    }

    CheckpointException rejectLoadInto(Map<String, Shape> modelShapes, NoiseSchedule schedule) {
        LoadedCheckpoint checkpoint = standardCheckpoint();
        try (TinyScoreModel target = new TinyScoreModel(manager, modelShapes, schedule, 7)) {
            Map<String, float[]> before = snapshot(target);
            CheckpointException e = assertThrows(CheckpointException.class, () -> checkpoint.loadInto(target));
            Map<String, float[]> after = snapshot(target);
            for (String name : before.keySet()) {
                assertArrayEquals(before.get(name), after.get(name), "a rejected checkpoint changes nothing: " + name);
            }
            return e;
        }
    }

    static Map<String, float[]> snapshot(TinyScoreModel model) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            values.put(e.getKey(), e.getValue().toFloatArray());
        }
        return values;
    }

    @Test
    void matchingModelIsAccepted() {
        LoadedCheckpoint checkpoint = standardCheckpoint();
        try (TinyScoreModel target = TinyScoreModel.standard(manager, 7)) {
            checkpoint.requireFits(target);
            checkpoint.loadInto(target);
            assertArrayEquals(checkpoint.parameter("level.bias").values(),
                    target.parameters().get("level.bias").toFloatArray());
        }
    }

    @Test
    void mismatchedShapeIsRejected() {
        Map<String, Shape> shapes = TinyScoreModel.standardShapes();
        shapes.put("level.bias", new Shape(5, 1));
        CheckpointException e = rejectLoadInto(shapes, TinyScoreModel.SCHEDULE);
        assertEquals("checkpoint tiny/v2 does not fit the model: parameter level.bias has shape (3, 1),"
                + " model expects (5, 1)", e.getMessage());
    }

    @Test
    void missingParameterIsRejected() {
        Map<String, Shape> shapes = TinyScoreModel.standardShapes();
        shapes.put("extra.weight", new Shape(2, 2));
        CheckpointException e = rejectLoadInto(shapes, TinyScoreModel.SCHEDULE);
        assertEquals("checkpoint tiny/v2 does not fit the model: parameter extra.weight (2, 2) is missing from the"
                + " checkpoint", e.getMessage());
    }

    @Test
    void extraParameterIsRejected() {
        Map<String, Shape> shapes = TinyScoreModel.standardShapes();
        shapes.remove("level.bias");
        CheckpointException e = rejectLoadInto(shapes, TinyScoreModel.SCHEDULE);
        assertEquals("checkpoint tiny/v2 does not fit the model: checkpoint has parameter level.bias (3, 1) that the"
                + " model does not have", e.getMessage());
    }

    @Test
    void renamedParameterReportsBothSides() {
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("scale.weight", TinyScoreModel.SAMPLE_SHAPE);
        shapes.put("level.bias_renamed", new Shape(3, 1));
        CheckpointException e = rejectLoadInto(shapes, TinyScoreModel.SCHEDULE);
        assertTrue(e.getMessage().contains("parameter level.bias_renamed (3, 1) is missing from the checkpoint"),
                e.getMessage());
        assertTrue(e.getMessage().contains("checkpoint has parameter level.bias (3, 1) that the model does not have"),
                e.getMessage());
    }

    @Test
    void differentScheduleIsRejected() {
        CheckpointException e = rejectLoadInto(TinyScoreModel.standardShapes(), new NoiseSchedule(2.0, 0.1, 3));
        assertTrue(e.getMessage().contains("checkpoint was trained for noise schedule"), e.getMessage());
    }
}
