package dev.ncsn.common.auth;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What a key may do. Each role includes the ones before it: {@code admin} may do everything {@code generate} may,
 * and {@code generate} everything {@code read} may.
 */
public enum Role {

    /** Look: job status, event streams, results, the model list. */
    READ,
    /** Submit and cancel generation and inpainting jobs. */
    GENERATE,
    /** Operate: start and stop training runs, promote models, metrics, the OpenAPI document. */
    ADMIN;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a key with this role may do what {@code needed} allows. */
    public boolean includes(Role needed) {
        return compareTo(needed) >= 0;
    }

    public static Role parse(String id) {
        for (Role r : values()) {
            if (r.id().equals(id.strip().toLowerCase(Locale.ROOT))) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown role \"" + id + "\"; the roles are "
                + Arrays.stream(values()).map(Role::id).collect(Collectors.joining(", ")));
    }
}
