package dev.ncsn.model.net;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.TrainableScoreModel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One kind of score network, as {@link ScoreNetworks} knows it: its name (the manifest's {@code architecture.family}),
 * how to build a fresh network of an {@link Architecture} of that family, its analytic size and cost, and its named
 * presets. A network class declares its family as a constant; {@link ScoreNetworks} registers it.
 *
 * @param name           the family name stored in checkpoints, e.g. "ncsn"
 * @param description    one line for listings, e.g. "NCSN CondRefineNetDilated (Song & Ermon 2019, appendix A)"
 * @param builder        builds a freshly initialised network
 * @param parameterCount scalar parameters of a network of an architecture, without building it
 * @param flopsPerImage  forward FLOPs for one image (2 per multiply-add), without building it
 * @param defaultSchedule the noise schedule a network of an architecture gets when none is given
 * @param designsSchedule whether a new training run designs its schedule from the training data
 *                       ({@code schedule.ScheduleDesigner}, NCSNv2's Techniques 1, 2 and 4) unless one is given;
 *                       otherwise it trains on {@link #defaultSchedule}
 * @param finalDenoiseByDefault whether sampling ends with the noise-free final step x + σ_L²·s(x, σ_L) when a
 *                       request does not say (NCSNv2 samples with it; NCSN's paper does not)
 * @param acceptsAnySigma whether its networks are defined at every σ (NCSNv2's s(x)/σ), so samplers may use levels
 *                       of their own; a level-conditioned network (NCSN) has scores only at its trained σ's
 * @param presets        named architectures of this family, in display order
 */
public record NetworkFamily(String name, String description, Builder builder,
                            ToLongFunction<Architecture> parameterCount, ToLongFunction<Architecture> flopsPerImage,
                            Function<Architecture, NoiseSchedule> defaultSchedule,
                            boolean designsSchedule, boolean finalDenoiseByDefault, boolean acceptsAnySigma,
                            Map<String, Architecture> presets) {

    /** Builds a freshly initialised network; the same seed gives the same initial values. */
    @FunctionalInterface
    public interface Builder {
        TrainableScoreModel create(Architecture architecture, NoiseSchedule schedule, NDManager manager, long seed);
    }

    public NetworkFamily {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a network family needs a name");
        }
        Objects.requireNonNull(builder, "builder");
        Objects.requireNonNull(parameterCount, "parameterCount");
        Objects.requireNonNull(flopsPerImage, "flopsPerImage");
        Objects.requireNonNull(defaultSchedule, "defaultSchedule");
        presets = Collections.unmodifiableMap(new LinkedHashMap<>(presets));
        for (Map.Entry<String, Architecture> e : presets.entrySet()) {
            if (!e.getValue().family().equals(name) || !e.getValue().preset().equals(e.getKey())) {
                throw new IllegalArgumentException("preset " + e.getKey() + " of family " + name + " is "
                        + e.getValue());
            }
        }
    }

    public long parameterCount(Architecture architecture) {
        return parameterCount.applyAsLong(architecture);
    }

    public NoiseSchedule defaultSchedule(Architecture architecture) {
        return defaultSchedule.apply(architecture);
    }

    public long flopsPerImage(Architecture architecture) {
        return flopsPerImage.applyAsLong(architecture);
    }
}
