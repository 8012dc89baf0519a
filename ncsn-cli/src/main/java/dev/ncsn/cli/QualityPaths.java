package dev.ncsn.cli;

import java.nio.file.Path;

/** Where the quality commands look by default: the shipped classifier and Debian's Fashion-MNIST. */
final class QualityPaths {

    /** Debian's {@code dataset-fashion-mnist} ({@code scripts/install-system-packages.sh --datasets}). */
    static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private QualityPaths() {
    }

    /** The repository ({@code ./ncsn} passes it as {@code ncsn.home}). */
    static Path home() {
        return Path.of(System.getProperty("ncsn.home", ".")).toAbsolutePath().normalize();
    }

    /** The shipped classifier, {@code models/fashion-mnist-classifier/} in the repository. */
    static Path shippedClassifier() {
        return home().resolve("models/fashion-mnist-classifier");
    }
}
