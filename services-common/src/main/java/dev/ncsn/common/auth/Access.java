package dev.ncsn.common.auth;

import dev.ncsn.common.api.Problem;

import java.util.Optional;

/**
 * The one check every service makes: given the keys (absent: an open API), the key presented in the
 * {@value ApiKeys#HEADER} header and the role a path needs, either a caller or the problem to answer with:
 * 401 without a valid key, 403 with a key that lacks the role.
 */
public final class Access {

    /** The outcome: {@code caller} when allowed (null on an open API), otherwise {@code problem}. */
    public record Decision(Caller caller, Problem problem) {

        public boolean allowed() {
            return problem == null;
        }
    }

    private Access() {
    }

    public static Decision check(Optional<ApiKeys> keys, String presented, Role needed) {
        if (keys.isEmpty()) {
            return new Decision(null, null);
        }
        if (presented == null || presented.isBlank()) {
            return new Decision(null, unauthorized("this service needs an API key: send it in the " + ApiKeys.HEADER
                    + " header"));
        }
        Optional<Caller> caller = keys.get().authenticate(presented);
        if (caller.isEmpty()) {
            return new Decision(null, unauthorized("the API key is not valid"));
        }
        if (!caller.get().may(needed)) {
            return new Decision(caller.get(), forbidden("the key " + caller.get().name() + " may not do this: it "
                    + "needs the role " + needed.id() + ", and has " + caller.get().roles().stream().map(Role::id)
                    .sorted().toList()));
        }
        return new Decision(caller.get(), null);
    }

    public static Problem unauthorized(String detail) {
        return Problem.of(401, "api-key", "API key required", detail);
    }

    public static Problem forbidden(String detail) {
        return Problem.of(403, "forbidden", "Not allowed for this key", detail);
    }

    /** The {@code WWW-Authenticate} value of a 401. */
    public static String challenge() {
        return "ApiKey header=\"" + ApiKeys.HEADER + "\"";
    }
}
