package dev.ncsn.model.net;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The sizes of a score network (CondRefineNetDilated of the paper's appendix A): enough to rebuild it and
 * to check that a set of parameters fits it. Stored in every checkpoint manifest.
 *
 * @param preset    the preset name it came from ("mnist", "cifar10", "compact", …), or "custom"
 * @param channels  image channels (1 or 3)
 * @param imageSize image height = width in pixels
 * @param ngf       base feature count (the reference code's ngf)
 * @param levels    number of noise levels L the normalisation layers are conditioned on
 */
public record Architecture(
        @JsonProperty("preset") String preset,
        @JsonProperty("channels") int channels,
        @JsonProperty("imageSize") int imageSize,
        @JsonProperty("ngf") int ngf,
        @JsonProperty("levels") int levels) {

    public Architecture {
        if (preset == null || preset.isBlank()) {
            throw new IllegalArgumentException("architecture preset name is missing");
        }
        if (channels < 1 || imageSize < 4 || ngf < 1 || levels < 1) {
            throw new IllegalArgumentException("invalid architecture sizes: channels=" + channels
                    + ", imageSize=" + imageSize + ", ngf=" + ngf + ", levels=" + levels);
        }
    }
}
