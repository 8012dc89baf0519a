package dev.ncsn.model.net;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Whether DJL's PyTorch engine can make bfloat16 (and float16) tensors at all, each attempt in a child JVM because a
 * failed one aborts the process (not a unit test; runs only with -Dncsn.bench=true):
 * {@code ./mvnw -pl shared-model -am test -Dtest=ReducedPrecisionProbe -Dncsn.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}. Prints one {@code PROBE} line per attempt with the child's exit status and
 * last output line; where a cast works it also prints the relative error of a 3×3 convolution in that precision
 * against float32.
 */
@EnabledIfSystemProperty(named = "ncsn.bench", matches = "true")
class ReducedPrecisionProbe {

    @Test
    void probe() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        for (String attempt : List.of("cast-bfloat16", "create-bfloat16", "cast-float16")) {
            Path log = Files.createTempFile("probe-", ".log");
            List<String> command = new ArrayList<>(List.of(java, "-Dai.djl.offline=true", "-cp",
                    System.getProperty("java.class.path"), Child.class.getName(), attempt));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            boolean ended = p.waitFor(120, TimeUnit.SECONDS);
            if (!ended) {
                p.destroyForcibly();
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.contains(" WARN ") && !l.contains(" INFO ") && !l.isBlank()).toList();
            System.out.printf("PROBE %-16s exit %s: %s%n", attempt, ended ? p.exitValue() : "timeout",
                    lines.isEmpty() ? "(no output)" : lines.get(lines.size() - 1));
            Files.deleteIfExists(log);
        }
    }

    /** One attempt; a working one ends with its measured error, a failing one with whatever killed it. */
    public static final class Child {
        public static void main(String[] args) {
            String attempt = args[0];
            DataType type = attempt.endsWith("bfloat16") ? DataType.BFLOAT16 : DataType.FLOAT16;
            System.out.println("engine " + Engine.getInstance().getEngineName() + " "
                    + Engine.getInstance().getVersion() + ", attempt " + attempt);
            System.out.flush();
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = m.randomNormal(new Shape(8, 16, 28, 28));
                NDArray w = m.randomNormal(new Shape(16, 16, 3, 3)).div(12f);
                NDArray reduced;
                if (attempt.startsWith("create")) {
                    ByteBuffer one = ByteBuffer.allocateDirect(2).order(ByteOrder.nativeOrder());
                    one.putShort((short) 0x3F80).rewind(); // 1.0 in bfloat16
                    reduced = m.create(one, new Shape(1), type);
                    System.out.println("created " + reduced.getDataType() + ": "
                            + reduced.toType(DataType.FLOAT32, false).getFloat());
                    return;
                }
                reduced = x.toType(type, false);
                NDArray exact = conv(x, w);
                NDArray approx = conv(reduced, w.toType(type, false)).toType(DataType.FLOAT32, false);
                double error = exact.sub(approx).norm().getFloat() / exact.norm().getFloat();
                System.out.printf("cast to %s works; 3x3 convolution relative error vs float32: %.2e%n", type, error);
            }
        }

        private static NDArray conv(NDArray x, NDArray w) {
            return Ops.conv2d((ai.djl.pytorch.engine.PtNDArray) x, (ai.djl.pytorch.engine.PtNDArray) w, null, 1, 1);
        }
    }
}
