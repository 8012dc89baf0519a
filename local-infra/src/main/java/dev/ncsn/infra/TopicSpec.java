package dev.ncsn.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A topic to create: name, partition count and topic configs. Written {@code NAME:PARTITIONS[:OPTION]…}, where an
 * option is {@code compact} (short for {@code cleanup.policy=compact}) or {@code KEY=VALUE}, e.g.
 * {@code ncsn.frames:12:max.message.bytes=8388608} or {@code ncsn.model-updates:1:compact} (the form of
 * {@code --topic} and of the {@code topics} init arg of {@link InfrastructureTestResource}).
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name is empty");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1");
        }
        configs = Map.copyOf(configs);
    }

    public TopicSpec(String name, int partitions, boolean compacted) {
        this(name, partitions, compacted ? Map.of("cleanup.policy", "compact") : Map.of());
    }

    public boolean compacted() {
        return "compact".equals(configs.get("cleanup.policy"));
    }

    /** Parses {@code NAME:PARTITIONS[:OPTION]…}. */
    public static TopicSpec parse(String spec) {
        String[] parts = spec.trim().split(":");
        if (parts.length < 2 || parts[0].isBlank()) {
            throw new IllegalArgumentException("a topic is NAME:PARTITIONS[:compact|:KEY=VALUE]…, not " + spec);
        }
        int partitions;
        try {
            partitions = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("topic partitions must be a number: " + spec);
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic partitions must be at least 1: " + spec);
        }
        Map<String, String> configs = new LinkedHashMap<>();
        for (int i = 2; i < parts.length; i++) {
            String option = parts[i];
            int eq = option.indexOf('=');
            if (option.equals("compact")) {
                configs.put("cleanup.policy", "compact");
            } else if (eq > 0 && eq < option.length() - 1) {
                configs.put(option.substring(0, eq), option.substring(eq + 1));
            } else {
                throw new IllegalArgumentException("a topic option is compact or KEY=VALUE, not '" + option
                        + "' in " + spec);
            }
        }
        return new TopicSpec(parts[0], partitions, configs);
    }

    /** Parses a comma-separated list of specs; blank gives an empty list. */
    public static List<TopicSpec> parseList(String specs) {
        List<TopicSpec> list = new ArrayList<>();
        if (specs != null) {
            for (String spec : specs.split(",")) {
                if (!spec.isBlank()) {
                    list.add(parse(spec));
                }
            }
        }
        return list;
    }
}
