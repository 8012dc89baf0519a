package dev.ncsn.common.auth;

import java.util.Set;

/**
 * Whoever presented a valid key: the key's name from the keys file (never the key itself, so it may appear in logs
 * and metric tags) and its roles.
 */
public record Caller(String name, Set<Role> roles) {

    public Caller {
        roles = Set.copyOf(roles);
    }

    public boolean may(Role needed) {
        return roles.stream().anyMatch(r -> r.includes(needed));
    }
}
