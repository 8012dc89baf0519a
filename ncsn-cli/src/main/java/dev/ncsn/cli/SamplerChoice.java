package dev.ncsn.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.sampling.Sampler;
import dev.ncsn.model.sampling.SamplerOption;
import dev.ncsn.model.sampling.SamplerType;
import dev.ncsn.model.sampling.Samplers;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/** The sampler options every sampling command takes: {@code --sampler NAME} and {@code -O NAME=VALUE}. */
final class SamplerChoice {

    @Option(names = "--sampler", defaultValue = Samplers.DEFAULT,
            description = "The sampler: annealed-langevin (Algorithm 1), langevin, predictor-corrector, probability-flow,"
                    + " ancestral, consistent-annealed, walk-jump. Default: ${DEFAULT-VALUE}")
    String name;

    @Option(names = {"-O", "--sampler-option"}, paramLabel = "NAME=VALUE",
            description = "An option of the sampler, e.g. -O snr=0.16 -O correctorSteps=1 (predictor-corrector), "
                    + "-O heun=true (probability-flow), -O level=5 (walk-jump); `ncsn samplers` lists them all")
    Map<String, String> options = new LinkedHashMap<>();

    /** The sampler these options name; IllegalArgumentException with the registry's reason otherwise. */
    Sampler sampler() {
        String resolved = switch (name) {
            case "annealed" -> "annealed-langevin"; // the toy command's earlier spelling
            default -> name;
        };
        return Samplers.create(resolved, options);
    }

    /** Adds the sampler's name and the options it ran with to a JSON line. */
    static void report(ObjectNode line, Sampler sampler, int networkEvaluations) {
        line.put("sampler", sampler.name());
        ObjectNode opts = line.putObject("samplerOptions");
        sampler.options().forEach((k, v) -> opts.putPOJO(k, v));
        line.put("networkEvaluations", networkEvaluations);
    }

    /** One line per sampler with its options, for `ncsn samplers`. */
    static String describeAll() {
        StringBuilder out = new StringBuilder();
        for (SamplerType type : Samplers.all()) {
            out.append(type.name()).append(": ").append(type.summary()).append('\n');
            for (SamplerOption o : type.options()) {
                out.append("    -O ").append(o.name()).append('=').append(o.defaultValue()).append("  ")
                        .append(o.description()).append(o.type() == SamplerOption.Type.BOOLEAN ? ""
                                : " [" + bound(o, o.min()) + ", " + bound(o, o.max()) + "]").append('\n');
            }
        }
        return out.toString();
    }

    private static String bound(SamplerOption o, double v) {
        return o.type() == SamplerOption.Type.INTEGER ? Long.toString((long) v) : Double.toString(v);
    }

    static String names() {
        return Samplers.names().stream().collect(Collectors.joining(", "));
    }
}
