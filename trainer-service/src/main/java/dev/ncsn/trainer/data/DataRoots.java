package dev.ncsn.trainer.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The directories a run's local data ({@code {"path": …}}) may come from ({@code ncsn.trainer.data-roots}). Anything
 * else is refused before the file system is asked about it, so a key that may start runs can neither read nor probe
 * other files of the trainer's machine: {@code /etc/shadow} and {@code /no/such/file} get the same answer. A path
 * is checked twice: as written (made absolute and normalised, so {@code ..} cannot climb out), and, when it exists,
 * as its real path (so a symbolic link inside a root cannot point out of it).
 */
public final class DataRoots {

    private final List<Path> roots;

    /** @param roots directories; relative ones are taken from the working directory. Empty: no local data at all. */
    public DataRoots(List<Path> roots) {
        this.roots = roots.stream().map(p -> p.toAbsolutePath().normalize()).distinct().toList();
    }

    public List<Path> roots() {
        return roots;
    }

    /**
     * The path, absolute and normalised, when it lies under a root (it need not exist).
     *
     * @param field the request field, for the message ({@code data}, {@code heldOut})
     * @throws ForbiddenDataPathException when it does not
     */
    public Path require(String field, String path) {
        Path asked;
        try {
            asked = Path.of(path).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw forbidden(field, path);
        }
        if (roots.stream().noneMatch(asked::startsWith)) {
            throw forbidden(field, path);
        }
        if (Files.exists(asked)) {
            Path real;
            try {
                real = asked.toRealPath();
            } catch (IOException e) {
                throw forbidden(field, path);
            }
            if (roots.stream().map(DataRoots::real).noneMatch(real::startsWith)) {
                throw forbidden(field, path);
            }
        }
        return asked;
    }

    private static Path real(Path root) {
        try {
            return root.toRealPath();
        } catch (IOException e) {
            return root; // a root that does not exist (yet) holds nothing real
        }
    }

    private ForbiddenDataPathException forbidden(String field, String path) {
        return new ForbiddenDataPathException(field + ": the trainer reads local data only under its data roots ("
                + (roots.isEmpty() ? "none are configured" : roots.stream().map(Path::toString)
                .collect(Collectors.joining(", "))) + "), not " + path + "; use a dataset or an S3 prefix, or "
                + "add a directory to ncsn.trainer.data-roots");
    }

    /** A local data path outside the data roots (403). */
    public static final class ForbiddenDataPathException extends RuntimeException {
        public ForbiddenDataPathException(String message) {
            super(message);
        }
    }
}
