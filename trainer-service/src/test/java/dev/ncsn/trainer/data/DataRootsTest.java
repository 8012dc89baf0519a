package dev.ncsn.trainer.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** No infrastructure: which local paths a run may read. */
class DataRootsTest {

    @TempDir
    Path dir;

    @Test
    void pathsUnderARootPassAndEverythingElseIsRefusedWhetherItExistsOrNot() throws Exception {
        Path root = Files.createDirectories(dir.resolve("datasets"));
        Path data = Files.createDirectories(root.resolve("fashion-mnist"));
        Files.writeString(data.resolve("train-images-idx3-ubyte.gz"), "x");
        DataRoots roots = new DataRoots(List.of(root, dir.resolve("not-created-yet")));

        assertEquals(data, roots.require("data", data.toString()));
        assertEquals(data.resolve("train-images-idx3-ubyte.gz"),
                roots.require("data", data.resolve("train-images-idx3-ubyte.gz").toString()));
        assertEquals(root.resolve("missing"), roots.require("data", root.resolve("missing").toString()),
                "a missing path under a root passes: the caller answers 422 for it");
        assertEquals(root, roots.require("data", root + "/./fashion-mnist/..").normalize());

        for (String outside : List.of("/etc/passwd", "/etc", "/no/such/dir", "/", dir.toString(),
                root + "/../other", root + "/fashion-mnist/../../other", dir.resolve("datasets-2").toString(),
                "relative/path", "")) {
            DataRoots.ForbiddenDataPathException e = assertThrows(DataRoots.ForbiddenDataPathException.class,
                    () -> roots.require("heldOut", outside), outside);
            assertTrue(e.getMessage().startsWith("heldOut: the trainer reads local data only under its data roots ("
                    + root + ", " + dir.resolve("not-created-yet") + ")"), e.getMessage());
        }
        assertThrows(DataRoots.ForbiddenDataPathException.class, () -> roots.require("data", "/data\u0000/x"),
                "a path the file system cannot even name");
    }

    @Test
    void aSymbolicLinkInsideARootCannotPointOutOfIt() throws Exception {
        Path root = Files.createDirectories(dir.resolve("datasets"));
        Path secret = Files.writeString(dir.resolve("secret.txt"), "not training data");
        Files.createSymbolicLink(root.resolve("escape"), dir);
        Files.createSymbolicLink(root.resolve("file"), secret);
        Path inside = Files.createDirectories(root.resolve("real"));
        Files.createSymbolicLink(root.resolve("alias"), inside);
        DataRoots roots = new DataRoots(List.of(root));

        assertThrows(DataRoots.ForbiddenDataPathException.class, () -> roots.require("data", root + "/escape"));
        assertThrows(DataRoots.ForbiddenDataPathException.class,
                () -> roots.require("data", root + "/escape/secret.txt"));
        assertThrows(DataRoots.ForbiddenDataPathException.class, () -> roots.require("data", root + "/file"));
        assertEquals(root.resolve("alias"), roots.require("data", root + "/alias"), "a link that stays inside");
    }

    @Test
    void aRootThatIsItselfALinkHoldsWhatItPointsTo() throws Exception {
        Path real = Files.createDirectories(dir.resolve("disk/datasets"));
        Files.createDirectories(real.resolve("cifar10"));
        Path link = Files.createSymbolicLink(dir.resolve("datasets"), real);
        DataRoots roots = new DataRoots(List.of(link));
        assertEquals(link.resolve("cifar10"), roots.require("data", link.resolve("cifar10").toString()));
    }

    @Test
    void withoutRootsNoLocalPathIsRead() {
        DataRoots none = new DataRoots(List.of());
        String message = assertThrows(DataRoots.ForbiddenDataPathException.class,
                () -> none.require("data", "/usr/share/datasets/fashion-mnist")).getMessage();
        assertTrue(message.contains("none are configured"), message);
    }
}
