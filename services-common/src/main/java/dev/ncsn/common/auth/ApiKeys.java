package dev.ncsn.common.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The API keys every service accepts, read from the file named by {@code NCSN_API_KEYS_FILE}
 * ({@code ncsn.api-keys-file}). One key per line, three fields separated by blanks:
 *
 * <pre>
 * # name     key                                  roles
 * alice      9f2c4e0b7a1d4c3e8b5a6f7d0e1c2b3a     generate
 * ops        1b7e9d2c5a8f4e3d6c0b9a8f7e6d5c4b     admin
 * viewer     c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8     read
 * </pre>
 *
 * The name identifies the key in logs and metrics; roles are comma-separated ({@link Role}); {@code #} starts a
 * comment. Keys must be at least {@value #MIN_KEY_LENGTH} characters; names and keys must be unique. A file that
 * cannot be read or parsed stops the service at start-up with the line at fault, rather than running open.
 */
public final class ApiKeys {

    public static final int MIN_KEY_LENGTH = 16;
    /** The header a key travels in; never the query string, where it would end up in access logs. */
    public static final String HEADER = "X-API-Key";
    /** The setting (environment: NCSN_API_KEYS_FILE). */
    public static final String SETTING = "ncsn.api-keys-file";

    private record Entry(byte[] digest, Caller caller) {
    }

    private final List<Entry> entries;
    private final byte[] secret;

    private ApiKeys(List<Entry> entries, byte[] secret) {
        this.entries = List.copyOf(entries);
        this.secret = secret;
    }

    /** The keys of the file, or empty when no file is configured (an open API). */
    public static Optional<ApiKeys> fromSetting(Optional<String> file) {
        return file.map(String::strip).filter(f -> !f.isEmpty()).map(f -> load(Path.of(f)));
    }

    public static ApiKeys load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the API keys file " + file + " (" + SETTING
                    + ", NCSN_API_KEYS_FILE): " + e, e);
        }
        return parse(text, file.toString());
    }

    /** Parses the file's text; {@code source} names it in error messages. */
    public static ApiKeys parse(String text, String source) {
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> keys = new HashSet<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String at = source + ", line " + (i + 1) + ": ";
            String[] fields = line.split("\\s+");
            if (fields.length != 3) {
                throw new IllegalArgumentException(at + "expected three fields, name key roles (e.g. \"alice "
                        + "<key> generate\"), got " + fields.length);
            }
            String name = fields[0];
            String key = fields[1];
            if (key.length() < MIN_KEY_LENGTH) {
                throw new IllegalArgumentException(at + "the key of " + name + " is " + key.length()
                        + " characters; keys must have at least " + MIN_KEY_LENGTH + " (e.g. openssl rand -hex 16)");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException(at + "the name " + name + " appears twice");
            }
            if (!keys.add(key)) {
                throw new IllegalArgumentException(at + "the key of " + name + " is also another name's key");
            }
            Set<Role> roles = EnumSet.noneOf(Role.class);
            for (String r : fields[2].split(",")) {
                if (!r.isBlank()) {
                    try {
                        roles.add(Role.parse(r));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(at + e.getMessage(), e);
                    }
                }
            }
            if (roles.isEmpty()) {
                throw new IllegalArgumentException(at + name + " has no role");
            }
            entries.add(new Entry(sha256(key.getBytes(StandardCharsets.UTF_8)), new Caller(name, roles)));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(source + " has no keys; remove the setting for an open API");
        }
        return new ApiKeys(entries, sha256(("ncsn-api-keys\n" + text).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The caller a presented key belongs to. Compares digests in constant time, over every key, so neither the
     * time taken nor the key's length tells how close a guess was.
     */
    public Optional<Caller> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) {
            return Optional.empty();
        }
        byte[] digest = sha256(presented.strip().getBytes(StandardCharsets.UTF_8));
        Caller found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest(), digest)) {
                found = e.caller();
            }
        }
        return Optional.ofNullable(found);
    }

    public int size() {
        return entries.size();
    }

    /**
     * A secret derived from the whole file: every replica that reads the same file has the same one, so what one
     * replica signs with it (e.g. a stream token) another can verify, with no setting of its own.
     */
    public byte[] secret() {
        return secret.clone();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
