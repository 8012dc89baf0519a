package dev.ncsn.model.net;

import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;

import java.util.SplittableRandom;

/** One learnable tensor of the network: its stable name, shape, initialisation rule and (once created) its array. */
final class Param {

    /** How a parameter is initialised; matches what torch.nn does for the reference modules. */
    enum Init {
        /** Conv2d weight: kaiming_uniform(a=√5), i.e. U(−1/√fan_in, 1/√fan_in). */
        CONV_WEIGHT,
        /** Conv2d bias: U(−1/√fan_in, 1/√fan_in). */
        CONV_BIAS,
        /** CondInstanceNorm++ table [L, 3C]: columns γ and α ~ N(1, 0.02), columns β = 0. */
        NORM_TABLE,
        /** InstanceNorm++'s α or γ [C] (NCSNv2): N(1, 0.02). */
        NORM_SCALE,
        /** InstanceNorm++'s β [C] (NCSNv2): 0. */
        NORM_SHIFT
    }

    final String name;
    final Shape shape;
    final Init init;
    /** fan_in for convolutions; the channel count C for normalisation tables. */
    final int fan;
    PtNDArray array;

    Param(String name, Shape shape, Init init, int fan) {
        this.name = name;
        this.shape = shape;
        this.init = init;
        this.fan = fan;
    }

    int size() {
        return Math.toIntExact(shape.size());
    }

    /**
     * Initial values, drawn from a generator seeded by the network seed and this parameter's name only, so adding
     * or reordering other parameters never changes these values.
     */
    float[] initialValues(long seed) {
        SplittableRandom rng = new SplittableRandom(mix(seed, name));
        float[] v = new float[size()];
        switch (init) {
            case CONV_WEIGHT, CONV_BIAS -> {
                double bound = 1.0 / Math.sqrt(fan);
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((rng.nextDouble() * 2.0 - 1.0) * bound);
                }
            }
            case NORM_SCALE -> {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (1.0 + 0.02 * rng.nextGaussian());
                }
            }
            case NORM_SHIFT -> {
                // zeros
            }
            case NORM_TABLE -> {
                int width = 3 * fan;
                for (int i = 0; i < v.length; i++) {
                    int column = i % width;
                    v[i] = column < 2 * fan ? (float) (1.0 + 0.02 * rng.nextGaussian()) : 0f;
                }
            }
        }
        return v;
    }

    private static long mix(long seed, String name) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < name.length(); i++) {
            h = (h ^ name.charAt(i)) * 0x100000001B3L;
        }
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        return h;
    }
}
