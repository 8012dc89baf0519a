package dev.ncsn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ncsn.model.net.Architecture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** `ncsn model-info`: a preset's sizes, parameter count and forward cost, as one JSON line. */
@Command(name = "model-info", mixinStandardHelpOptions = true,
        description = "Print one JSON line with a network preset's sizes, parameter count and FLOPs per image.")
final class ModelInfoCommand implements Callable<Integer> {

    @Option(names = "--preset", required = true, description = "mnist, cifar10 or compact")
    String preset;

    @Override
    public Integer call() {
        Architecture arch = Architecture.preset(preset);
        var line = new ObjectMapper().createObjectNode()
                .put("preset", arch.preset())
                .put("channels", arch.channels())
                .put("imageSize", arch.imageSize())
                .put("ngf", arch.ngf())
                .put("levels", arch.levels())
                .put("parameters", arch.parameterCount())
                .put("flopsPerImage", arch.flopsPerImage())
                .put("gflopsPerImage", arch.flopsPerImage() / 1e9);
        System.out.println(line);
        return 0;
    }
}
