package dev.ncsn.model.sampling;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The samplers by name. A new sampler is one class implementing {@link Sampler} with a {@code TYPE}
 * ({@link SamplerType}) and one line in the list below (or a {@link #register} call); the API, the CLI and the
 * worker then accept its name and options.
 */
public final class Samplers {

    /** Algorithm 1 of the paper. */
    public static final String DEFAULT = AnnealedLangevin.NAME;

    private static final Map<String, SamplerType> TYPES = new LinkedHashMap<>();

    static {
        register(AnnealedLangevin.TYPE);
        register(Langevin.TYPE);
        register(PredictorCorrector.TYPE);
        register(ProbabilityFlow.TYPE);
        register(Ancestral.TYPE);
        register(ConsistentAnnealed.TYPE);
        register(WalkJump.TYPE);
    }

    private Samplers() {
    }

    /** Adds a sampler; its name must be new. */
    public static synchronized void register(SamplerType type) {
        if (TYPES.putIfAbsent(type.name(), type) != null) {
            throw new IllegalArgumentException("a sampler named " + type.name() + " is already registered");
        }
    }

    /** Every registered sampler, in registration order. */
    public static synchronized List<SamplerType> all() {
        return List.copyOf(new ArrayList<>(TYPES.values()));
    }

    public static synchronized List<String> names() {
        return List.copyOf(TYPES.keySet());
    }

    /** The sampler of that name; unknown names are an IllegalArgumentException listing the known ones. */
    public static synchronized SamplerType type(String name) {
        SamplerType type = TYPES.get(name);
        if (type == null) {
            throw new IllegalArgumentException("unknown sampler \"" + name + "\"; known samplers: "
                    + String.join(", ", TYPES.keySet()));
        }
        return type;
    }

    /** The named sampler with these options (null name: the default sampler). */
    public static Sampler create(String name, Map<String, ?> options) {
        return type(name == null ? DEFAULT : name).create(options);
    }
}
