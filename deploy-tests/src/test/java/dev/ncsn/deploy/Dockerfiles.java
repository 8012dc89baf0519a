package dev.ncsn.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A Dockerfile's instructions, as far as these tests read them: COPY, ENV, USER, and its documented build. */
record Dockerfiles(String file, List<Copy> copies, Map<String, String> env, List<String> users, String buildCommand) {

    /** One source of a COPY from the build context (not {@code --from} a stage). */
    record Copy(String source, String destination) {
    }

    private static final Pattern ENV_PAIR = Pattern.compile("(\\w+)=(\"[^\"]*\"|\\S+)");

    static Dockerfiles parse(String relative) {
        String text = Repo.read(relative);
        List<String> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        String build = "";
        for (String line : text.split("\n")) {
            String t = line.strip();
            if (t.startsWith("#")) {
                if (t.contains("docker build")) {
                    build = t.substring(1).strip() + " ";
                }
                continue;
            }
            if (t.endsWith("\\")) {
                current.append(t, 0, t.length() - 1).append(' ');
                continue;
            }
            current.append(t);
            if (!current.toString().isBlank()) {
                instructions.add(current.toString().strip());
            }
            current.setLength(0);
        }
        List<Copy> copies = new ArrayList<>();
        Map<String, String> env = new LinkedHashMap<>();
        List<String> users = new ArrayList<>();
        for (String ins : instructions) {
            String[] words = ins.split("\\s+");
            switch (words[0].toUpperCase(java.util.Locale.ROOT)) {
                case "COPY" -> {
                    List<String> args = new ArrayList<>();
                    boolean fromStage = false;
                    for (int i = 1; i < words.length; i++) {
                        if (words[i].startsWith("--from=")) {
                            fromStage = true;
                        } else if (!words[i].startsWith("--")) {
                            args.add(words[i]);
                        }
                    }
                    if (!fromStage) {
                        String dest = args.get(args.size() - 1);
                        args.subList(0, args.size() - 1).forEach(s -> copies.add(new Copy(s, dest)));
                    }
                }
                case "ENV" -> {
                    Matcher m = ENV_PAIR.matcher(ins.substring(3));
                    while (m.find()) {
                        env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
                    }
                }
                case "USER" -> users.add(words[1]);
                default -> {
                }
            }
        }
        return new Dockerfiles(relative, copies, env, users, build);
    }
}
