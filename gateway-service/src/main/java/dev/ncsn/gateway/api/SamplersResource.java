package dev.ncsn.gateway.api;

import dev.ncsn.gateway.core.ProblemException;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.sampling.SamplerOption;
import dev.ncsn.model.sampling.Samplers;
import dev.ncsn.model.sampling.SamplingSpec;
import dev.ncsn.model.sampling.SigmaGrid;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The samplers a request may name, their options, and what a choice costs in network evaluations. */
@Path("/v1/samplers")
@Tag(name = "samplers")
public class SamplersResource {

    public record OptionView(String name, String type, Object defaultValue, Double min, Double max,
                             String description) {
    }

    public record SamplerView(String name, String summary, List<OptionView> options) {
    }

    public record Cost(String sampler, Map<String, Object> samplerOptions, int stepsPerLevel, int levels,
                       boolean finalDenoise, int networkEvaluations) {
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Samplers", description = "Every sampler a request's \"sampler\" may name, with its own "
            + "options (\"samplerOptions\"): type, default, bounds.")
    public List<SamplerView> samplers() {
        return Samplers.all().stream().map(t -> new SamplerView(t.name(), t.summary(), t.options().stream()
                .map(o -> new OptionView(o.name(), o.type().name().toLowerCase(java.util.Locale.ROOT),
                        o.defaultValue(), o.type() == SamplerOption.Type.BOOLEAN ? null : o.min(),
                        o.type() == SamplerOption.Type.BOOLEAN ? null : o.max(), o.description()))
                .toList())).toList();
    }

    @GET
    @Path("/cost")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Network evaluations of a choice", description = "Network evaluations per image of a "
            + "sampler with these options on a network with the image schedule's 10 levels (what a generation with "
            + "the same fields costs); 422 with the reason when the choice is invalid.")
    public Cost cost(@QueryParam("sampler") String sampler, @QueryParam("samplerOptions") String options,
                     @QueryParam("stepsPerLevel") Integer stepsPerLevel, @QueryParam("levels") Integer levels,
                     @QueryParam("stepSize") Double stepSize, @QueryParam("finalDenoise") Boolean finalDenoise) {
        Map<String, Object> parsed = parseOptions(options);
        SamplingParameters p = new SamplingParameters(1, 0L, sampler, parsed, stepsPerLevel, stepSize, levels, null,
                null, finalDenoise);
        List<String> problems = p.problems();
        if (!problems.isEmpty()) {
            throw ProblemException.invalid(problems);
        }
        try {
            // the image schedule's NCSN network: no final step unless asked (the page asks as its checkbox says)
            SamplingSpec spec = p.toSpec("cost", false);
            int n = spec.plan(SigmaGrid.of(NoiseSchedule.IMAGES, spec.levels(), true)).size();
            return new Cost(spec.sampler().name(), spec.sampler().options(), spec.stepsPerLevel(),
                    spec.levels() == 0 ? NoiseSchedule.IMAGES.levels() : spec.levels(), spec.finalDenoise(), n);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid(List.of(e.getMessage()));
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parseOptions(String options) {
        if (options == null || options.isBlank()) {
            return null;
        }
        try {
            return Contracts.json().readValue(options, LinkedHashMap.class);
        } catch (java.io.IOException | RuntimeException e) {
            throw ProblemException.badRequest("samplerOptions must be a JSON object, e.g. {\"snr\":0.16}");
        }
    }
}
