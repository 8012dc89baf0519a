package dev.ncsn.sampler.core;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The {@link LiveModel} slots of the models a worker serves; the first is the default model. */
public final class ServedModels implements AutoCloseable {

    private final Map<String, LiveModel> slots = new LinkedHashMap<>();
    private final String defaultModel;

    public ServedModels(List<String> names) {
        for (String name : names) {
            slots.put(name, new LiveModel(name));
        }
        this.defaultModel = names.get(0);
    }

    public String defaultModel() {
        return defaultModel;
    }

    public Collection<LiveModel> all() {
        return slots.values();
    }

    public List<String> names() {
        return List.copyOf(slots.keySet());
    }

    /** The slot of a served model; empty for a model this worker does not serve. */
    public Optional<LiveModel> slot(String name) {
        return Optional.ofNullable(slots.get(name));
    }

    /** Whether every served model has a live version: the worker is ready for jobs. */
    public boolean allLoaded() {
        return slots.values().stream().allMatch(LiveModel::isLoaded);
    }

    /**
     * Images one shared pass may hold: the smallest budget of the live versions (passes of different models run one
     * after the other on the same device, so the tightest one bounds them all); 0 before any version is loaded.
     */
    public int sampleBudget() {
        int budget = Integer.MAX_VALUE;
        for (LiveModel slot : slots.values()) {
            ServedModel m = slot.peek().orElse(null);
            if (m != null) {
                budget = Math.min(budget, m.passBudget());
            }
        }
        return budget == Integer.MAX_VALUE ? 0 : budget;
    }

    /** Model name → live version (null when not loaded yet). */
    public Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        slots.forEach((name, slot) -> v.put(name, slot.version()));
        return v;
    }

    @Override
    public void close() {
        slots.values().forEach(LiveModel::close);
    }
}
