package dev.ncsn.model.sampling;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What {@link Samplers} registers: a sampler's name, a sentence about it, its options and how to build it from
 * their values.
 *
 * @param create builds the sampler from a value for every option (defaults filled in, all checked)
 */
public record SamplerType(String name, String summary, List<SamplerOption> options,
                          Function<Values, Sampler> create) {

    public SamplerType {
        options = List.copyOf(options);
    }

    /**
     * The sampler for these options (null or empty: every default). An option it does not have, or a value of the
     * wrong type or out of bounds, is an IllegalArgumentException that names it.
     */
    public Sampler create(Map<String, ?> given) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, Object> rest = given == null ? new LinkedHashMap<>() : new LinkedHashMap<>(given);
        for (SamplerOption option : options) {
            Object v = rest.remove(option.name());
            values.put(option.name(), v == null ? option.defaultValue() : option.parse(name, v));
        }
        if (!rest.isEmpty()) {
            String known = options.isEmpty() ? "it has no options"
                    : "its options are " + options.stream().map(SamplerOption::name).collect(Collectors.joining(", "));
            throw new IllegalArgumentException("sampler " + name + " has no option \""
                    + rest.keySet().iterator().next() + "\"; " + known);
        }
        return create.apply(new Values(Collections.unmodifiableMap(values)));
    }

    /** The checked option values a sampler is built from. */
    public record Values(Map<String, Object> all) {

        public double number(String option) {
            return ((Number) get(option)).doubleValue();
        }

        public int integer(String option) {
            return ((Number) get(option)).intValue();
        }

        public boolean flag(String option) {
            return (Boolean) get(option);
        }

        private Object get(String option) {
            Object v = all.get(option);
            if (v == null) {
                throw new IllegalStateException("no option " + option + " was declared");
            }
            return v;
        }
    }
}
