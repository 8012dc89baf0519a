package dev.ncsn.gateway.api;

import dev.ncsn.gateway.core.GatewayNode;
import dev.ncsn.gateway.core.ProblemException;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.sampling.SamplerOption;
import dev.ncsn.model.sampling.Samplers;
import dev.ncsn.model.sampling.SamplingSpec;
import dev.ncsn.model.sampling.SigmaGrid;
import jakarta.inject.Inject;
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

    /**
     * What a choice costs on the live version of {@code model}: {@code levels} the σ's it walks (the trained ones
     * unless the sampler's {@code levels} asks for others, which a network that accepts any σ allows).
     */
    public record Cost(String model, String version, String family, String sampler, Map<String, Object> samplerOptions,
                       int stepsPerLevel, double stepSize, int levels, boolean finalDenoise, int networkEvaluations) {
    }

    @Inject
    GatewayNode node;

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
            + "sampler with these options on the live version of the model (default: the default model), as a "
            + "generation with the same fields costs: its trained noise levels, its defaults for what is absent "
            + "(stepsPerLevel, stepSize, finalDenoise); 422 with the reason when the choice is invalid or does not suit the "
            + "model, 503 while the model has no live version.")
    public Cost cost(@QueryParam("model") String model, @QueryParam("sampler") String sampler,
                     @QueryParam("samplerOptions") String options,
                     @QueryParam("stepsPerLevel") Integer stepsPerLevel, @QueryParam("levels") Integer levels,
                     @QueryParam("stepSize") Double stepSize, @QueryParam("finalDenoise") Boolean finalDenoise) {
        Map<String, Object> parsed = parseOptions(options);
        SamplingParameters p = new SamplingParameters(1, 0L, sampler, parsed, stepsPerLevel, stepSize, levels, null,
                null, finalDenoise);
        List<String> problems = p.problems();
        if (!problems.isEmpty()) {
            throw ProblemException.invalid(problems);
        }
        CheckpointManifest live = node.catalog().liveManifest(model);
        try {
            // as the sampler will run it: the live version's levels, its family's default for the final step
            Architecture arch = live.architecture();
            SamplingSpec spec = p.toSpec("cost", ScoreNetworks.samplingDefaults(arch, live.schedule()));
            SigmaGrid grid = SigmaGrid.of(live.schedule(), spec.levels(), ScoreNetworks.acceptsAnySigma(arch));
            int n = spec.plan(grid).size();
            return new Cost(live.modelName(), live.versionId(), arch.family(), spec.sampler().name(),
                    spec.sampler().options(), spec.stepsPerLevel(), spec.epsilon(), grid.levels(), spec.finalDenoise(),
                    n);
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
