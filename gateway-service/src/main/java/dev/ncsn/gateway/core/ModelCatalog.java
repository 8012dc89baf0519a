package dev.ncsn.gateway.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.sampling.SamplingDefaults;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The models as the S3 store has them: which version is live (the pointer the trainer writes last), each
 * version's manifest (input shape, scores). Live pointers and listings are cached for {@code cacheFor}; manifests,
 * being immutable, for as long as the replica runs.
 */
public final class ModelCatalog {

    /** A model a request may use: its live version and the shape of one image. */
    public record LiveModel(String model, String version, int channels, int height, int width) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    /**
     * One version as the models list shows it: {@code architecture} is its preset, {@code family} its network family;
     * {@code stepsPerLevel}, {@code stepSize} and {@code finalDenoise} what its jobs sample with where a request does
     * not say (its family and schedule decide: the page starts its fields there).
     */
    public record VersionView(String version, boolean live, long trainingStep, Instant createdAt, String architecture,
                       String family, int ngf, int channels, int height, int width, int levels, int stepsPerLevel,
                       double stepSize, boolean finalDenoise, Map<String, Double> metrics, String parent) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ModelView(String model, boolean isDefault, String liveVersion, Instant liveSince,
                     List<VersionView> versions) {
    }

    private record Cached<T>(T value, Instant at) {
    }

    private final ModelStore store;
    private final Duration cacheFor;
    private final String defaultModel;
    private final Clock clock;
    private final Map<String, Cached<Optional<LivePointer>>> pointers = new ConcurrentHashMap<>();
    private final Map<String, Optional<CheckpointManifest>> manifests = new ConcurrentHashMap<>();
    private final Map<String, Cached<List<CheckpointManifest>>> versions = new ConcurrentHashMap<>();
    private volatile Cached<List<String>> names;

    public ModelCatalog(ModelStore store, Duration cacheFor, String defaultModel, Clock clock) {
        this.store = store;
        this.cacheFor = cacheFor;
        this.defaultModel = defaultModel;
        this.clock = clock;
    }

    public String defaultModel() {
        return defaultModel;
    }

    /**
     * The live version of a model a request names (null: the default model). Throws a 422 problem for a model the
     * store does not have, and a 503 for one that has no live version yet or when the store cannot be reached.
     */
    public LiveModel resolve(String requested) {
        CheckpointManifest m = liveManifest(requested);
        CheckpointManifest.DataShape shape = m.dataShape();
        return new LiveModel(requested == null ? defaultModel : requested, m.versionId(), shape.channels(),
                shape.height(), shape.width());
    }

    /**
     * The manifest of the live version of a model a request names (null: the default model), with the same problems
     * as {@link #resolve}: what a new job of that model will be sampled with (its schedule and network family).
     */
    public CheckpointManifest liveManifest(String requested) {
        String model = requested == null ? defaultModel : requested;
        try {
            ModelStore.requireName(model, "model");
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalid(List.of(e.getMessage()));
        }
        try {
            Optional<LivePointer> pointer = pointer(model);
            if (pointer.isEmpty()) {
                if (!versions(model).isEmpty() || model.equals(defaultModel)) {
                    throw ProblemException.unavailable("model " + model + " has no live version yet; the trainer "
                            + "publishes one", 30);
                }
                throw ProblemException.unknownModel("unknown model \"" + model + "\"; the models are "
                        + String.join(", ", modelNames()));
            }
            return manifest(model, pointer.get().version()).orElseThrow(() ->
                    ProblemException.unavailable("the live version " + pointer.get().version() + " of " + model
                            + " has no manifest in the store", 30));
        } catch (ModelStore.StoreException e) {
            throw ProblemException.unavailable("the model store cannot be reached: " + e.getMessage(), 10);
        }
    }

    /** Every model with its versions and scores, the default model first. */
    public List<ModelView> list() {
        try {
            List<ModelView> out = new ArrayList<>();
            for (String model : modelNames()) {
                Optional<LivePointer> pointer = pointer(model);
                String live = pointer.map(LivePointer::version).orElse(null);
                List<VersionView> vs = new ArrayList<>();
                for (CheckpointManifest m : versions(model)) {
                    SamplingDefaults d = samplingDefaults(m);
                    vs.add(new VersionView(m.versionId(), m.versionId().equals(live), m.trainingStep(), m.createdAt(),
                            m.architecture().preset(), m.architecture().family(), m.architecture().ngf(),
                            m.dataShape().channels(), m.dataShape().height(), m.dataShape().width(),
                            m.schedule().levels(), d.stepsPerLevel(), d.stepSize(), d.finalDenoise(), m.metrics(),
                            m.parent()));
                }
                out.add(new ModelView(model, model.equals(defaultModel), live,
                        pointer.map(LivePointer::updatedAt).orElse(null), vs));
            }
            return out;
        } catch (ModelStore.StoreException e) {
            throw ProblemException.unavailable("the model store cannot be reached: " + e.getMessage(), 10);
        }
    }

    /** The version's defaults; for a family this gateway does not know, the paper's (the sampler decides). */
    private static SamplingDefaults samplingDefaults(CheckpointManifest m) {
        try {
            return ScoreNetworks.samplingDefaults(m.architecture(), m.schedule());
        } catch (IllegalArgumentException unknownFamily) {
            return SamplingDefaults.PAPER;
        }
    }

    private List<String> modelNames() {
        List<String> listed = cached(names, () -> store.models(), c -> names = c);
        TreeSet<String> sorted = new TreeSet<>(listed);
        sorted.remove(defaultModel);
        List<String> out = new ArrayList<>();
        out.add(defaultModel);
        out.addAll(sorted);
        return out;
    }

    private Optional<LivePointer> pointer(String model) {
        ModelStore.requireName(model, "model");
        return cached(pointers.get(model), () -> store.live(model), c -> pointers.put(model, c));
    }

    private List<CheckpointManifest> versions(String model) {
        return cached(versions.get(model), () -> store.versions(model), c -> versions.put(model, c));
    }

    private Optional<CheckpointManifest> manifest(String model, String version) {
        String key = model + "/" + version;
        Optional<CheckpointManifest> m = manifests.get(key);
        if (m == null || m.isEmpty()) {
            m = store.manifest(model, version);
            if (m.isPresent()) {
                manifests.put(key, m);
            }
        }
        return m;
    }

    private <T> T cached(Cached<T> entry, Supplier<T> load, java.util.function.Consumer<Cached<T>> save) {
        Instant now = clock.instant();
        if (entry != null && Duration.between(entry.at(), now).compareTo(cacheFor) < 0) {
            return entry.value();
        }
        T value = load.get();
        save.accept(new Cached<>(value, now));
        return value;
    }
}
