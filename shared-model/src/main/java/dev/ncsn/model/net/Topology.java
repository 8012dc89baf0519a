package dev.ncsn.model.net;

import ai.djl.ndarray.types.Shape;
import dev.ncsn.model.net.Layers.CondNorm;
import dev.ncsn.model.net.Layers.InstanceNormPlus;
import dev.ncsn.model.net.Layers.Norm;
import dev.ncsn.model.net.Layers.Conv;
import dev.ncsn.model.net.Layers.Crp;
import dev.ncsn.model.net.Layers.Msf;
import dev.ncsn.model.net.Layers.Rcu;
import dev.ncsn.model.net.Layers.Refine;
import dev.ncsn.model.net.Layers.ResBlock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The layout of CondRefineNetDilated (NCSN) or of NCSNv2's RefineNet for one {@link Architecture}: the blocks, their
 * parameters (not yet materialised) in a fixed order, and the analytic convolution cost.
 *
 * <p>The two share the dilated RefineNet (residual blocks at ngf, 2·ngf with one 2× mean-pool downsampling, then
 * dilation 2 and 4; four refine blocks). NCSN ({@code conditional}) normalises with CondInstanceNorm++ everywhere,
 * conditioned on the level index, and its chained residual pooling averages; NCSNv2 (ermongroup/ncsnv2
 * {@code NCSNv2}) normalises only in the residual blocks and before the last convolution, with the unconditional
 * InstanceNorm++, has no normalisation inside the refine blocks, and its chained residual pooling takes maxima.
 *
 * <p>Parameter names and their order follow the reference implementation's module tree (its state_dict keys and
 * registration order), e.g. {@code res2.0.conv2.conv.weight} or {@code refine1.adapt_convs.0.1_2_norm.embed.weight},
 * so weights can be mapped one to one. Each CondInstanceNorm++ layer is one [L, 3C] table with columns γ | α | β.
 *
 * <p>FLOPs: every convolution counts 2 · C_in · C_out · k_h · k_w · H_out · W_out (one multiply and one add per
 * weight tap per output value), at the resolution the convolution is actually evaluated (the 3×3 and 1×1
 * convolutions before a 2×2 mean pool run at the higher resolution). Bias adds, normalisation, activations,
 * pooling, resizing and residual sums are not counted; they are a small fraction of the total.
 */
final class Topology {

    final Architecture arch;
    /** NCSN's level-conditioned layout; false: NCSNv2's unconditional one. */
    final boolean conditional;
    final List<Param> params = new ArrayList<>();
    long flops;

    final Conv beginConv;
    final Norm normalizer;
    final Conv endConv;
    final ResBlock[] res1;
    final ResBlock[] res2;
    final ResBlock[] res3;
    final ResBlock[] res4;
    final Refine refine1;
    final Refine refine2;
    final Refine refine3;
    final Refine refine4;

    /** NCSN's CondRefineNetDilated. */
    Topology(Architecture arch) {
        this(arch, true);
    }

    Topology(Architecture arch, boolean conditional) {
        if (arch.imageSize() % 2 != 0) {
            throw new IllegalArgumentException("the score network halves the image once; imageSize must be even, got "
                    + arch.imageSize());
        }
        if (arch.ngf() < 2) {
            throw new IllegalArgumentException("ngf must be at least 2 (CondInstanceNorm++ needs a channel variance)");
        }
        this.arch = arch;
        this.conditional = conditional;
        int c = arch.channels();
        int ngf = arch.ngf();
        int full = arch.imageSize();
        int half = full / 2;

        // registration order of the reference: begin_conv, normalizer, end_conv, res1..res4, refine1..refine4
        beginConv = conv("begin_conv", c, ngf, 3, 1, true, full);
        normalizer = norm("normalizer", ngf);
        endConv = conv("end_conv", ngf, c, 3, 1, true, full);

        res1 = new ResBlock[] {
                res("res1.0", ngf, ngf, false, 1, full),
                res("res1.1", ngf, ngf, false, 1, full)};
        res2 = new ResBlock[] {
                res("res2.0", ngf, 2 * ngf, true, 1, full),
                res("res2.1", 2 * ngf, 2 * ngf, false, 1, half)};
        // with a dilation the reference's 'down' blocks keep the resolution (and get a 3×3 dilated shortcut),
        // so adjust_padding (which only affects ConvMeanPool) changes nothing for 28×28 versus 32×32 here
        res3 = new ResBlock[] {
                res("res3.0", 2 * ngf, 2 * ngf, true, 2, half),
                res("res3.1", 2 * ngf, 2 * ngf, false, 2, half)};
        res4 = new ResBlock[] {
                res("res4.0", 2 * ngf, 2 * ngf, true, 4, half),
                res("res4.1", 2 * ngf, 2 * ngf, false, 4, half)};

        refine1 = refine("refine1", new int[] {2 * ngf}, new int[] {half}, 2 * ngf, true, false);
        refine2 = refine("refine2", new int[] {2 * ngf, 2 * ngf}, new int[] {half, half}, 2 * ngf, false, false);
        refine3 = refine("refine3", new int[] {2 * ngf, 2 * ngf}, new int[] {half, half}, ngf, false, false);
        refine4 = refine("refine4", new int[] {ngf, ngf}, new int[] {full, half}, ngf, false, true);
    }

    List<Param> params() {
        return Collections.unmodifiableList(params);
    }

    long parameterCount() {
        long n = 0;
        for (Param p : params) {
            n += p.shape.size();
        }
        return n;
    }

    private Param param(String name, Shape shape, Param.Init init, int fan) {
        Param p = new Param(name, shape, init, fan);
        params.add(p);
        return p;
    }

    /** A stride-1 convolution evaluated at size × size output positions. */
    private Conv conv(String name, int in, int out, int k, int dilation, boolean bias, int size) {
        int fanIn = in * k * k;
        Param w = param(name + ".weight", new Shape(out, in, k, k), Param.Init.CONV_WEIGHT, fanIn);
        Param b = bias ? param(name + ".bias", new Shape(out), Param.Init.CONV_BIAS, fanIn) : null;
        flops += 2L * in * out * k * k * (long) size * size;
        return new Conv(w, b, dilation * (k / 2), dilation);
    }

    private Norm norm(String name, int channels) {
        if (!conditional) {
            // the reference's registration order: alpha, gamma, beta
            Param alpha = param(name + ".alpha", new Shape(channels), Param.Init.NORM_SCALE, channels);
            Param gamma = param(name + ".gamma", new Shape(channels), Param.Init.NORM_SCALE, channels);
            Param beta = param(name + ".beta", new Shape(channels), Param.Init.NORM_SHIFT, channels);
            return new InstanceNormPlus(alpha, gamma, beta, channels);
        }
        Param t = param(name + ".embed.weight", new Shape(arch.levels(), 3L * channels), Param.Init.NORM_TABLE, channels);
        return new CondNorm(t, channels);
    }

    /**
     * ConditionalResidualBlock. size is the input resolution; dilation 1 means an ordinary 3×3 convolution.
     * Parameters are registered in the reference's order: conv1, normalize2, conv2, shortcut, normalize1.
     */
    private ResBlock res(String name, int in, int out, boolean down, int dilation, int size) {
        Conv c1;
        Norm n2;
        Conv c2;
        Conv shortcut = null;
        boolean meanPool = false;
        if (down && dilation == 1) {
            c1 = conv(name + ".conv1", in, in, 3, 1, true, size);
            n2 = norm(name + ".normalize2", in);
            c2 = conv(name + ".conv2.conv", in, out, 3, 1, true, size);
            shortcut = conv(name + ".shortcut.conv", in, out, 1, 1, true, size);
            meanPool = true;
        } else if (down) {
            c1 = conv(name + ".conv1", in, in, 3, dilation, true, size);
            n2 = norm(name + ".normalize2", in);
            c2 = conv(name + ".conv2", in, out, 3, dilation, true, size);
            shortcut = conv(name + ".shortcut", in, out, 3, dilation, true, size);
        } else {
            c1 = conv(name + ".conv1", in, out, 3, dilation, true, size);
            n2 = norm(name + ".normalize2", out);
            c2 = conv(name + ".conv2", out, out, 3, dilation, true, size);
            if (in != out) {
                shortcut = conv(name + ".shortcut", in, out, 3, dilation, true, size);
            }
        }
        Norm n1 = norm(name + ".normalize1", in);
        return new ResBlock(n1, c1, n2, c2, shortcut, meanPool);
    }

    private Rcu rcu(String name, int features, int blocks, int size) {
        int stages = 2;
        Norm[][] norms = conditional ? new Norm[blocks][stages] : null;
        Conv[][] convs = new Conv[blocks][stages];
        for (int i = 0; i < blocks; i++) {
            for (int j = 0; j < stages; j++) {
                String prefix = name + "." + (i + 1) + "_" + (j + 1);
                if (conditional) {
                    norms[i][j] = norm(prefix + "_norm", features);
                }
                convs[i][j] = conv(prefix + "_conv", features, features, 3, 1, false, size);
            }
        }
        return new Rcu(norms, convs);
    }

    private Refine refine(String name, int[] inPlanes, int[] inSizes, int features, boolean start, boolean end) {
        int outSize = inSizes[0];
        Rcu[] adapt = new Rcu[inPlanes.length];
        for (int i = 0; i < inPlanes.length; i++) {
            adapt[i] = rcu(name + ".adapt_convs." + i, inPlanes[i], 2, inSizes[i]);
        }
        Rcu output = rcu(name + ".output_convs", features, end ? 3 : 1, outSize);
        Msf msf = null;
        if (!start) {
            Conv[] convs = new Conv[inPlanes.length];
            Norm[] norms = conditional ? new Norm[inPlanes.length] : null;
            for (int i = 0; i < inPlanes.length; i++) {
                convs[i] = conv(name + ".msf.convs." + i, inPlanes[i], features, 3, 1, true, inSizes[i]);
            }
            for (int i = 0; conditional && i < inPlanes.length; i++) {
                norms[i] = norm(name + ".msf.norms." + i, inPlanes[i]);
            }
            msf = new Msf(convs, norms);
        }
        int stages = 2;
        Conv[] crpConvs = new Conv[stages];
        Norm[] crpNorms = conditional ? new Norm[stages] : null;
        for (int i = 0; i < stages; i++) {
            crpConvs[i] = conv(name + ".crp.convs." + i, features, features, 3, 1, false, outSize);
        }
        for (int i = 0; conditional && i < stages; i++) {
            crpNorms[i] = norm(name + ".crp.norms." + i, features);
        }
        return new Refine(adapt, output, msf, new Crp(crpNorms, crpConvs, !conditional));
    }
}
