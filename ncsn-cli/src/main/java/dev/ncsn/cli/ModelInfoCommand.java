package dev.ncsn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

/** `ncsn model-info`: a preset's network family, sizes, parameter count and forward cost, as one JSON line. */
@Command(name = "model-info", mixinStandardHelpOptions = true,
        description = "Print one JSON line with a network preset's family, sizes, parameter count and FLOPs per image.")
final class ModelInfoCommand implements Callable<Integer> {

    @Option(names = "--preset", required = true,
            description = "mnist, cifar10, compact (NCSN), ncsnv2-cifar10 or ncsnv2-compact (NCSNv2)")
    String preset;

    @Override
    public Integer call() {
        Architecture arch = Architecture.preset(preset);
        var line = new ObjectMapper().createObjectNode()
                .put("preset", arch.preset())
                .put("family", arch.family())
                .put("network", ScoreNetworks.family(arch).description())
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
