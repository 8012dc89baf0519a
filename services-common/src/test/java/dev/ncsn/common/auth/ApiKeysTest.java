package dev.ncsn.common.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class ApiKeysTest {

    static final String FILE = """
            # name   key                                roles
            alice    alice-key-0123456789abcdef         generate
            ops      ops-key-0123456789abcdef0          admin   # the operators
            viewer   viewer-key-0123456789abcdef        read

            both     both-key-0123456789abcdef00        read,generate
            """;

    @Test
    void keysAuthenticateAsTheirNamedCallerWithTheirRoles() {
        ApiKeys keys = ApiKeys.parse(FILE, "keys.txt");
        assertEquals(4, keys.size());
        assertEquals(Optional.of(new Caller("alice", Set.of(Role.GENERATE))),
                keys.authenticate("alice-key-0123456789abcdef"));
        assertEquals("ops", keys.authenticate("ops-key-0123456789abcdef0").orElseThrow().name());
        assertTrue(keys.authenticate("alice-key-0123456789abcde").isEmpty(), "a prefix is not the key");
        assertTrue(keys.authenticate("alice-key-0123456789abcdefX").isEmpty());
        assertTrue(keys.authenticate("").isEmpty());
        assertTrue(keys.authenticate(null).isEmpty());
    }

    @Test
    void rolesIncludeTheLesserOnes() {
        assertTrue(Role.ADMIN.includes(Role.GENERATE));
        assertTrue(Role.ADMIN.includes(Role.READ));
        assertTrue(Role.GENERATE.includes(Role.READ));
        assertFalse(Role.GENERATE.includes(Role.ADMIN));
        assertFalse(Role.READ.includes(Role.GENERATE));
    }

    @Test
    void accessIsDecidedWith401And403Problems() {
        Optional<ApiKeys> keys = Optional.of(ApiKeys.parse(FILE, "keys.txt"));
        Access.Decision none = Access.check(keys, null, Role.READ);
        assertFalse(none.allowed());
        assertEquals(401, none.problem().status());
        assertEquals("https://ncsn.dev/problems/api-key", none.problem().type());
        assertTrue(none.problem().detail().contains("X-API-Key"), none.problem().detail());
        assertEquals(401, Access.check(keys, "wrong-key-0123456789abcdef", Role.READ).problem().status());

        Access.Decision viewer = Access.check(keys, "viewer-key-0123456789abcdef", Role.GENERATE);
        assertEquals(403, viewer.problem().status());
        assertEquals("https://ncsn.dev/problems/forbidden", viewer.problem().type());
        assertTrue(viewer.problem().detail().contains("needs the role generate"), viewer.problem().detail());

        Access.Decision alice = Access.check(keys, "alice-key-0123456789abcdef", Role.GENERATE);
        assertTrue(alice.allowed());
        assertEquals("alice", alice.caller().name());
        assertEquals(403, Access.check(keys, "alice-key-0123456789abcdef", Role.ADMIN).problem().status());
        assertTrue(Access.check(keys, "ops-key-0123456789abcdef0", Role.ADMIN).allowed());

        assertTrue(Access.check(Optional.empty(), null, Role.ADMIN).allowed(), "no keys file: an open API");
    }

    @Test
    void aBadFileIsRefusedWithItsLine() {
        assertMessage("k, line 1: the key of a is 5 characters; keys must have at least 16", "a short generate");
        assertMessage("k, line 2: the name a appears twice",
                "a aaaaaaaaaaaaaaaaaaaa read\na bbbbbbbbbbbbbbbbbbbb read");
        assertMessage("k, line 2: the key of b is also another name's key",
                "a aaaaaaaaaaaaaaaaaaaa read\nb aaaaaaaaaaaaaaaaaaaa read");
        assertMessage("k, line 1: unknown role \"root\"; the roles are read, generate, admin",
                "a aaaaaaaaaaaaaaaaaaaa root");
        assertMessage("k, line 1: expected three fields", "a aaaaaaaaaaaaaaaaaaaa");
        assertMessage("k has no keys", "# nothing\n\n");
    }

    @Test
    void theSettingNamesAFileAndNoneMeansOpen(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("keys");
        Files.writeString(file, FILE);
        assertEquals(4, ApiKeys.fromSetting(Optional.of(file.toString())).orElseThrow().size());
        assertTrue(ApiKeys.fromSetting(Optional.empty()).isEmpty());
        assertTrue(ApiKeys.fromSetting(Optional.of(" ")).isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ApiKeys.fromSetting(Optional.of(dir.resolve("missing").toString())));
        assertTrue(e.getMessage().contains("NCSN_API_KEYS_FILE"), e.getMessage());
        // Two replicas reading the same file derive the same signing secret; another file gives another.
        assertArrayEquals(ApiKeys.load(file).secret(), ApiKeys.load(file).secret());
        assertFalse(java.util.Arrays.equals(ApiKeys.load(file).secret(),
                ApiKeys.parse("x xxxxxxxxxxxxxxxxxxxx read", "other").secret()));
    }

    private static void assertMessage(String expectedStart, String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiKeys.parse(text, "k"));
        assertTrue(e.getMessage().startsWith(expectedStart), e.getMessage());
    }
}
