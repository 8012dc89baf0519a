package dev.ncsn.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A service's configuration keys as its {@code @ConfigMapping} interfaces declare them, with their
 * {@code @WithDefault} values, read from the sources (the services' class paths are Quarkus', which these tests
 * keep out). Nested interfaces become dotted prefixes ({@code ncsn.sampler.topics.request-partitions}); a
 * {@code Map} method is a prefix under which any key is accepted. Together with application.properties this is
 * what the service reads, so an environment variable in k8s/ or compose that maps to none of it is a mistake.
 */
final class ConfigKeys {

    private final Map<String, Optional<String>> keys = new LinkedHashMap<>();
    private final Set<String> mapPrefixes = new LinkedHashSet<>();
    private final Properties properties;

    private ConfigKeys(Properties properties) {
        this.properties = properties;
    }

    /** The keys of {@code service} (its own sources and services-common's) and its application.properties. */
    static ConfigKeys of(String service) {
        ConfigKeys c = new ConfigKeys(Repo.applicationProperties(service));
        for (String module : List.of(service, "services-common")) {
            Path src = Repo.path(module + "/src/main/java");
            if (!Files.isDirectory(src)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(src)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(f);
                    if (text.contains("@ConfigMapping")) {
                        c.parse(stripComments(text));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return c;
    }

    /** The value the service uses for {@code key} without environment: application.properties, else the default. */
    Optional<String> value(String key) {
        String p = properties.getProperty(key);
        if (p != null) {
            return Optional.of(p);
        }
        Optional<String> d = keys.get(key);
        return d == null ? Optional.empty() : d;
    }

    /** The value with {@code env} (the container's environment) applied, as MicroProfile Config maps env names. */
    Optional<String> value(String key, Map<String, String> env) {
        String e = env.get(envName(key));
        return e != null ? Optional.of(e) : value(key);
    }

    boolean declares(String key) {
        return keys.containsKey(key);
    }

    /** Whether an environment variable maps to a key the service reads. */
    boolean readsEnv(String name) {
        Stream<String> all = Stream.concat(keys.keySet().stream(), properties.stringPropertyNames().stream()
                .filter(k -> !k.startsWith("%")));
        if (all.map(ConfigKeys::envName).anyMatch(name::equals)) {
            return true;
        }
        return mapPrefixes.stream().anyMatch(p -> name.startsWith(envName(p) + "_"));
    }

    /** MicroProfile Config's environment form of a property name: upper case, every other character an underscore. */
    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(java.util.Locale.ROOT);
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static final Pattern PREFIX = Pattern.compile("@ConfigMapping\\(\\s*prefix\\s*=\\s*\"([^\"]+)\"");
    private static final Pattern METHOD = Pattern.compile("(?s)^(.*?)([\\w.]+(?:<[\\w.<>, ?]*>)?(?:\\[])?)\\s+(\\w+)\\s*\\(\\s*\\)$");
    private static final Pattern WITH_DEFAULT = Pattern.compile("@WithDefault\\(\\s*\"((?:[^\"\\\\]|\\\\.)*)\"\\s*\\)");
    private static final Pattern WITH_NAME = Pattern.compile("@WithName\\(\\s*\"([^\"]+)\"\\s*\\)");
    private static final Pattern INTERFACE = Pattern.compile("(?s).*\\binterface\\s+(\\w+)\\b.*");

    private record Method(String type, String name, Optional<String> def, Optional<String> withName) {
    }

    private void parse(String src) {
        Matcher pm = PREFIX.matcher(src);
        if (!pm.find()) {
            return;
        }
        String prefix = pm.group(1);
        // Split into statements at ; { } outside string literals, tracking which interface each belongs to.
        Map<String, List<Method>> methods = new LinkedHashMap<>();
        List<String> stack = new ArrayList<>();
        String root = null;
        StringBuilder seg = new StringBuilder();
        boolean inString = false;
        for (int i = 0; i < src.length(); i++) {
            char ch = src.charAt(i);
            if (inString) {
                seg.append(ch);
                if (ch == '\\') {
                    seg.append(src.charAt(++i));
                } else if (ch == '"') {
                    inString = false;
                }
                continue;
            }
            if (ch == '"') {
                inString = true;
                seg.append(ch);
            } else if (ch == '{') {
                Matcher im = INTERFACE.matcher(seg);
                String name = im.matches() ? im.group(1) : null;
                if (name != null && root == null) {
                    root = name;
                }
                stack.add(name);
                seg.setLength(0);
            } else if (ch == '}') {
                if (!stack.isEmpty()) {
                    stack.remove(stack.size() - 1);
                }
                seg.setLength(0);
            } else if (ch == ';') {
                String owner = stack.isEmpty() ? null : stack.get(stack.size() - 1);
                Matcher mm = METHOD.matcher(seg.toString().trim());
                if (owner != null && mm.matches()) {
                    Matcher dm = WITH_DEFAULT.matcher(mm.group(1));
                    Matcher nm = WITH_NAME.matcher(mm.group(1));
                    methods.computeIfAbsent(owner, k -> new ArrayList<>()).add(new Method(mm.group(2), mm.group(3),
                            dm.find() ? Optional.of(dm.group(1)) : Optional.empty(),
                            nm.find() ? Optional.of(nm.group(1)) : Optional.empty()));
                }
                seg.setLength(0);
            } else {
                seg.append(ch);
            }
        }
        collect(prefix, root, methods);
    }

    private void collect(String prefix, String iface, Map<String, List<Method>> methods) {
        for (Method m : methods.getOrDefault(iface, List.of())) {
            String key = prefix + "." + m.withName().orElse(kebab(m.name()));
            String raw = m.type().replaceAll("<.*", "");
            if (methods.containsKey(m.type())) {
                collect(key, m.type(), methods);
            } else if (raw.equals("Map")) {
                mapPrefixes.add(key);
            } else {
                keys.put(key, m.def());
            }
        }
    }

    /** Removes comments, keeping string literals (which may hold "//"). */
    static String stripComments(String s) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) != '"') {
                    j += s.charAt(j) == '\\' ? 2 : 1;
                }
                out.append(s, i, Math.min(j + 1, s.length()));
                i = j + 1;
            } else if (s.startsWith("//", i)) {
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (s.startsWith("/*", i)) {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
                out.append(' ');
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }
}
