package dev.ncsn.model.net;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.TrainableScoreModel;
import dev.ncsn.model.sampling.SamplingDefaults;
import dev.ncsn.model.schedule.ScheduleDesigner;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The network factory: every caller (training, the trainer's promotion gate, the sampler's model loader, the
 * command line) builds its score network here from an {@link Architecture}, usually a checkpoint manifest's, and
 * gets the {@link TrainableScoreModel} interface back, so no caller names a network class.
 *
 * <p>The family is the architecture's {@link Architecture#family()}. Adding a network is one class that declares
 * its {@link NetworkFamily} and one line in {@link #REGISTERED}; checkpoints then say which family they are and
 * every service builds the right network from them.
 */
public final class ScoreNetworks {

    /** The registered families, by name, in registration order. */
    private static final Map<String, NetworkFamily> REGISTERED = register(
            NcsnScoreNetwork.FAMILY,
            NcsnV2ScoreNetwork.FAMILY);

    private ScoreNetworks() {
    }

    private static Map<String, NetworkFamily> register(NetworkFamily... families) {
        Map<String, NetworkFamily> byName = new LinkedHashMap<>();
        for (NetworkFamily f : families) {
            if (byName.putIfAbsent(f.name(), f) != null) {
                throw new IllegalStateException("two network families are named " + f.name());
            }
        }
        return Collections.unmodifiableMap(byName);
    }

    /** Every registered family, in registration order. */
    public static Collection<NetworkFamily> families() {
        return REGISTERED.values();
    }

    /** The family of this name. @throws IllegalArgumentException naming the known ones when there is none */
    public static NetworkFamily family(String name) {
        NetworkFamily f = REGISTERED.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown network family '" + name + "'; this version knows "
                    + REGISTERED.keySet());
        }
        return f;
    }

    /** The family the architecture belongs to. */
    public static NetworkFamily family(Architecture architecture) {
        return family(architecture.family());
    }

    /** The schedule a network of this architecture gets when none is given (the family decides). */
    public static NoiseSchedule defaultSchedule(Architecture architecture) {
        return family(architecture).defaultSchedule(architecture);
    }

    /**
     * What a network of this architecture on this schedule samples with where a request leaves T, ε or the final step
     * open. A family that designs its schedules from the data (NCSNv2) samples by the same design: T = {@value
     * ScheduleDesigner#REFERENCE_STEPS_PER_LEVEL} and Technique 4's ε for the schedule's own ratio γ and σ_L (the
     * reference's sampling configs pair T = 5 with that ε), not NCSN's T = 100 and ε = 4·10⁻⁵, which on 99 levels
     * would be 9,901 evaluations per image with too large a step. Others sample as the NCSN paper does.
     */
    public static SamplingDefaults samplingDefaults(Architecture architecture, NoiseSchedule schedule) {
        NetworkFamily f = family(architecture);
        if (!f.designsSchedule() || schedule.levels() < 2) {
            return SamplingDefaults.PAPER.overriddenBy(null, null, f.finalDenoiseByDefault());
        }
        return SamplingDefaults.designed(schedule, ScheduleDesigner.REFERENCE_STEPS_PER_LEVEL, f.finalDenoiseByDefault());
    }

    /**
     * Whether a network of this architecture is defined at every σ, so that samplers may put levels of their own
     * between its trained ones (what {@link dev.ncsn.model.ScoreModel#acceptsAnySigma()} says of the built network).
     */
    public static boolean acceptsAnySigma(Architecture architecture) {
        return family(architecture).acceptsAnySigma();
    }

    /**
     * A freshly initialised network of the architecture's family for this noise schedule (whose level count must
     * match the architecture's); its parameters belong to {@code manager}. The same seed gives the same values.
     */
    public static TrainableScoreModel create(Architecture architecture, NoiseSchedule schedule, NDManager manager,
                                             long seed) {
        if (schedule.levels() != architecture.levels()) {
            throw new IllegalArgumentException("the schedule has " + schedule.levels() + " levels but the architecture "
                    + architecture.levels());
        }
        return family(architecture).builder().create(architecture, schedule, manager, seed);
    }
}
