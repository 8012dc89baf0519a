package dev.ncsn.trainer.config;

/**
 * What a run request may leave out ({@code ncsn.trainer.defaults.*}). Learning rate and EMA rate default to the
 * paper's 10⁻³ and NCSNv2's 0.999 and are not configurable here.
 */
public record RunDefaults(String preset, int batchSize, long steps, int checkpointEvery, int previewCount,
                          int previewStepsPerLevel) {

    /** Sizes for CPU training of Fashion-MNIST. */
    public static RunDefaults standard() {
        return new RunDefaults("compact", 64, 10_000, 1_000, 16, 10);
    }
}
