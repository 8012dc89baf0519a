package dev.ncsn.model.net;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which score network and its sizes: enough for {@link ScoreNetworks} to rebuild it and to check that a set of
 * parameters fits it. Stored in every checkpoint manifest.
 *
 * @param family    the network family, a name {@link ScoreNetworks} knows: {@value #DEFAULT_FAMILY} (NCSN's
 *                  CondRefineNetDilated, appendix A of the paper) or ncsnv2 (NCSNv2's network). Absent in JSON means {@value #DEFAULT_FAMILY}:
 *                  every manifest written before families existed (the shipped model's, for one) is NCSN's, and
 *                  NCSN manifests are still written without it, byte for byte as before; other families write it.
 * @param preset    the preset name it came from ("mnist", "cifar10", "compact", …), or "custom"
 * @param channels  image channels (1 or 3)
 * @param imageSize image height = width in pixels
 * @param ngf       base feature count (the reference code's ngf)
 * @param levels    number of noise levels L: what the normalisation layers are conditioned on (ncsn), or only the
 *                  level count of the schedule (ncsnv2, whose parameters do not depend on it)
 */
@JsonPropertyOrder({"family", "preset", "channels", "imageSize", "ngf", "levels"})
public record Architecture(
        @JsonProperty("family")
        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = DefaultFamily.class)
        String family,
        @JsonProperty("preset") String preset,
        @JsonProperty("channels") int channels,
        @JsonProperty("imageSize") int imageSize,
        @JsonProperty("ngf") int ngf,
        @JsonProperty("levels") int levels) {

    /** The family of manifests that name none: every checkpoint written before families existed is one. */
    public static final String DEFAULT_FAMILY = NcsnScoreNetwork.FAMILY_NAME;

    @JsonCreator
    public Architecture {
        family = family == null ? DEFAULT_FAMILY : family.trim();
        if (family.isEmpty()) {
            throw new IllegalArgumentException("architecture family name is blank");
        }
        if (preset == null || preset.isBlank()) {
            throw new IllegalArgumentException("architecture preset name is missing");
        }
        if (channels < 1 || imageSize < 4 || ngf < 1 || levels < 1) {
            throw new IllegalArgumentException("invalid architecture sizes: channels=" + channels
                    + ", imageSize=" + imageSize + ", ngf=" + ngf + ", levels=" + levels);
        }
    }

    /** Jackson's filter that leaves the default family out of the JSON (see {@link #family}). */
    public static final class DefaultFamily {
        @Override
        public boolean equals(Object value) {
            return DEFAULT_FAMILY.equals(value);
        }

        @Override
        public int hashCode() {
            return DEFAULT_FAMILY.hashCode();
        }
    }

    /** An architecture of the {@value #DEFAULT_FAMILY} family. */
    public Architecture(String preset, int channels, int imageSize, int ngf, int levels) {
        this(DEFAULT_FAMILY, preset, channels, imageSize, ngf, levels);
    }

    /** The same sizes in another family (for a custom architecture; presets carry their own family). */
    public Architecture withFamily(String newFamily) {
        return new Architecture(newFamily, preset, channels, imageSize, ngf, levels);
    }

    /**
     * The same network for a schedule of another level count: for NCSN the normalisation layers are then conditioned on
     * that many levels; for NCSNv2 no parameter changes.
     */
    public Architecture withLevels(int newLevels) {
        return new Architecture(family, preset, channels, imageSize, ngf, newLevels);
    }

    /** The paper's MNIST network: 28×28×1, ngf 64, 10 levels; 7,638,657 parameters, ≈3.79 GFLOP per image. */
    public static final String MNIST = "mnist";
    /** The paper's CIFAR-10 network: 32×32×3, ngf 128, 10 levels; 30,117,635 parameters. */
    public static final String CIFAR10 = "cifar10";
    /**
     * The same topology, narrowed for CPU training on 28×28×1 Fashion-MNIST: ngf COMPACT_NGF, 10 levels
     * (see {@link #COMPACT_NGF} for its size and cost).
     */
    public static final String COMPACT = "compact";

    /**
     * ngf of the compact preset: 16, giving 518,817 parameters and ≈0.237 GFLOP per image forward (1/16 of the
     * mnist preset). A DSM training step (forward, backward, Adam and EMA) at batch 64 took about 1.7 s on the 2
     * idle cores of this project's machines (the README's figure); the forward and backward passes alone, timed when
     * the preset was chosen, about 1.0 s with 2 intra-op threads and 1.15 s single-threaded. ngf 20 and 24 took about
     * 1.4× and 1.9× as long.
     */
    public static final int COMPACT_NGF = 16;

    /** The names {@link #preset} accepts: every registered family's presets, in registration order. */
    public static List<String> presetNames() {
        List<String> names = new ArrayList<>();
        for (NetworkFamily f : ScoreNetworks.families()) {
            names.addAll(f.presets().keySet());
        }
        return Collections.unmodifiableList(names);
    }

    /** A named preset of any registered family: "mnist", "cifar10", "compact", … (see {@link #presetNames}). */
    public static Architecture preset(String name) {
        if (name == null) {
            throw new IllegalArgumentException("preset name is missing; known: " + presetNames());
        }
        for (NetworkFamily f : ScoreNetworks.families()) {
            Architecture a = f.presets().get(name);
            if (a != null) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown architecture preset '" + name + "'; known: " + presetNames());
    }

    /** Number of scalar parameters of the score network with these sizes. */
    public long parameterCount() {
        return ScoreNetworks.family(this).parameterCount(this);
    }

    /** Convolution FLOPs (2 per multiply-add) of one forward pass for one image, as the family counts them. */
    public long flopsPerImage() {
        return ScoreNetworks.family(this).flopsPerImage(this);
    }
}
