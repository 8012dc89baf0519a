package dev.ncsn.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A topic to create: name, partition count, and whether it is compacted. Written
 * {@code NAME:PARTITIONS[:compact]}, e.g. {@code ncsn.frames:12} or
 * {@code ncsn.model-updates:1:compact} (the form of {@code --topic} and of the {@code topics}
 * init arg of {@link InfrastructureTestResource}).
 */
public record TopicSpec(String name, int partitions, boolean compacted) {

    public TopicSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("topic name is empty");
        }
        if (partitions < 1) {
            throw new IllegalArgumentException("topic " + name + ": partitions must be at least 1");
        }
    }

    /** Parses {@code NAME:PARTITIONS[:compact]}. */
    public static TopicSpec parse(String spec) {
        String[] parts = spec.trim().split(":");
        if (parts.length < 2 || parts.length > 3 || parts[0].isBlank()
                || (parts.length == 3 && !parts[2].equals("compact"))) {
            throw new IllegalArgumentException("a topic is NAME:PARTITIONS[:compact], not " + spec);
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
        return new TopicSpec(parts[0], partitions, parts.length == 3);
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

    /** The topic configs: {@code cleanup.policy=compact} when compacted. */
    public Map<String, String> configs() {
        return compacted ? Map.of("cleanup.policy", "compact") : Map.of();
    }
}
