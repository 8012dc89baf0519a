package dev.ncsn.model.net;

import dev.ncsn.model.OwnedArrays;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.ncsn.model.net.Ops.pt;

/**
 * The building blocks of CondRefineNetDilated (NCSN) and of NCSNv2's unconditional RefineNet. Conventions: a block never closes its inputs (the caller may still
 * need them) and closes every large temporary it made as soon as it is consumed; closing a handle early is safe
 * under autograd because the recorded graph keeps its own references to what it saved.
 */
final class Layers {

    private Layers() {
    }

    /**
     * State of one forward pass: the scope all intermediates live in and the per-sample level indices (null for an
     * unconditional network, whose layers do not depend on the level).
     */
    static final class Pass {
        final NDManager scope;
        final PtNDArray levels;

        Pass(NDManager scope, PtNDArray levels) {
            this.scope = scope;
            this.levels = levels;
        }

        private final Map<String, PtNDArray> matrices = new HashMap<>();

        /** The 5-wide moving-average matrix for one spatial size. */
        PtNDArray box(int n) {
            return matrices.computeIfAbsent("box" + n,
                    k -> pt(OwnedArrays.copyOf(scope, Ops.boxMatrix(n), new Shape(n, n))));
        }

        /** Align-corners interpolation matrix (out × in) from in to out positions. */
        PtNDArray interpolation(int in, int out) {
            return matrices.computeIfAbsent("interp" + in + ">" + out,
                    k -> pt(OwnedArrays.copyOf(scope, Ops.interpolationMatrix(in, out), new Shape(out, in))));
        }
    }

    static void free(NDArray a) {
        if (a != null) {
            a.close();
        }
    }

    /** Conv2d, stride 1, "same" padding (dilation · ⌊k/2⌋). */
    static final class Conv {
        final Param weight;
        final Param bias;
        final int padding;
        final int dilation;

        Conv(Param weight, Param bias, int padding, int dilation) {
            this.weight = weight;
            this.bias = bias;
            this.padding = padding;
            this.dilation = dilation;
        }

        PtNDArray apply(PtNDArray x) {
            return Ops.conv2d(x, weight.array, bias == null ? null : bias.array, padding, dilation);
        }
    }

    /** A normalisation layer: conditioned on the pass's levels (NCSN) or not (NCSNv2). */
    interface Norm {
        PtNDArray apply(PtNDArray x, Pass pass);
    }

    /**
     * Instance normalisation++ with per-channel γ, α, β of shape [N or 1, C, 1, 1]: out = γ·(h + α·μ̃) + β, h the
     * instance-normalised x, μ̃ the standardised channel means (see {@link CondNorm} for the arithmetic).
     */
    private static PtNDArray normalizePlus(PtNDArray x, NDArray gamma, NDArray alpha, NDArray beta, Pass pass) {
        Shape s = x.getShape();
        long c = s.get(1);
        long area = s.get(2) * s.get(3);
        // Divisors and bounds are PyTorch-owned scalars: autograd keeps them for the backward pass (see OwnedArrays).
        NDArray areaScalar = OwnedArrays.scalar(pass.scope, area);
        // The variance is E[x²] − μ², so x is never centred: full-size passes over memory, not the arithmetic, are
        // what normalisation costs on a CPU. (torch's norm() would avoid materialising x², but over the spatial
        // axes of channels-last memory it is three times slower than square-then-sum.) The difference can round
        // below zero for a nearly constant channel: clamped.
        NDArray mu = x.sum(CondNorm.SPATIAL, true).div(areaScalar); // [N, C, 1, 1]
        NDArray squares = x.square();
        NDArray meanSquare = squares.sum(CondNorm.SPATIAL, true).div(areaScalar);
        free(squares);
        NDArray variance = meanSquare.sub(mu.square()).maximum(OwnedArrays.scalar(pass.scope, 0f)); // biased

        NDArray mDev = mu.sub(mu.mean(CondNorm.CHANNELS, true));
        NDArray channelVar = mDev.square().sum(CondNorm.CHANNELS, true).div(OwnedArrays.scalar(pass.scope, c - 1)); // unbiased
        NDArray muTilde = mDev.div(channelVar.add(Ops.INSTANCE_NORM_EPS).sqrt());
        NDArray scale = gamma.div(variance.add(Ops.INSTANCE_NORM_EPS).sqrt());
        NDArray shift = gamma.mul(alpha).mul(muTilde).add(beta).sub(mu.mul(scale));

        PtNDArray out = pt(x.mul(scale));
        out.addi(shift); // in place on the product: multiplication does not save its output for backward
        return out;
    }

    /**
     * InstanceNorm2dPlus of NCSNv2 (unconditional): the arithmetic of {@link CondNorm} with one γ, α, β per channel,
     * stored as the reference's three parameters {@code alpha}, {@code gamma}, {@code beta} of shape [C].
     */
    static final class InstanceNormPlus implements Norm {
        final Param alpha;
        final Param gamma;
        final Param beta;
        final int channels;

        InstanceNormPlus(Param alpha, Param gamma, Param beta, int channels) {
            this.alpha = alpha;
            this.gamma = gamma;
            this.beta = beta;
            this.channels = channels;
        }

        @Override
        public PtNDArray apply(PtNDArray x, Pass pass) {
            long c = x.getShape().get(1);
            if (c != channels) {
                throw new IllegalStateException("normalisation layer " + gamma.name + " expects " + channels
                        + " channels, got " + c);
            }
            return normalizePlus(x, perChannel(gamma, c, pass), perChannel(alpha, c, pass), perChannel(beta, c, pass),
                    pass);
        }

        /**
         * The parameter as a [1, C, 1, 1] view in the pass's scope. Why the scope: DJL attaches an op's result to
         * its first operand's manager, so a view left in the weights' manager would make every γ·…, α·… of the pass
         * outlive it, and under autograd keep the whole pass's graph alive (about 100 MB per training step).
         */
        private static NDArray perChannel(Param p, long c, Pass pass) {
            NDArray view = p.array.reshape(1, c, 1, 1);
            view.attach(pass.scope);
            return view;
        }
    }

    /**
     * Conditional instance normalisation++ (the paper's appendix A). For sample n, channel k and level y:
     * out = γ[y,k]·(h + α[y,k]·μ̃) + β[y,k] with h the instance-normalised x (biased variance, eps 1e-5) and μ̃ the
     * per-sample standardised channel means (unbiased variance over channels, eps 1e-5). Written as
     * out = x·a + b with a = γ/√(σ² + eps) and b = γ·α·μ̃ + β − μ·a, so the full-size work is two reductions,
     * one square, one multiply and one add; everything else is on [N, C]. Every op keeps the
     * memory layout of x (the network runs channels-last).
     */
    static final class CondNorm implements Norm {
        static final int[] SPATIAL = {2, 3};
        static final int[] CHANNELS = {1};

        /** [L, 3C] table; columns γ | α | β (the reference's embedding layout). */
        final Param table;
        final int channels;

        CondNorm(Param table, int channels) {
            this.table = table;
            this.channels = channels;
        }

        @Override
        public PtNDArray apply(PtNDArray x, Pass pass) {
            Shape s = x.getShape();
            long n = s.get(0);
            long c = s.get(1);
            if (c != channels) {
                throw new IllegalStateException("normalisation layer " + table.name + " expects " + channels
                        + " channels, got " + c);
            }
            PtNDArray rows = Ops.embedding(pass.levels, table.array); // [N, 3C]
            NDList parts = rows.split(3, 1);
            NDArray gamma = parts.get(0).reshape(n, c, 1, 1);
            NDArray alpha = parts.get(1).reshape(n, c, 1, 1);
            NDArray beta = parts.get(2).reshape(n, c, 1, 1);
            return normalizePlus(x, gamma, alpha, beta, pass);
        }
    }

    /**
     * ConditionalResidualBlock (NCSN) or ResidualBlock (NCSNv2): norm → ELU → conv → norm → ELU → conv (→ 2×2 mean
     * pool), plus shortcut.
     */
    static final class ResBlock {
        final Norm norm1;
        final Conv conv1;
        final Norm norm2;
        final Conv conv2;
        /** null when the block is an identity-shortcut block. */
        final Conv shortcut;
        /** conv2 and the shortcut are followed by 2×2 mean pooling (the reference's ConvMeanPool). */
        final boolean meanPool;

        ResBlock(Norm norm1, Conv conv1, Norm norm2, Conv conv2, Conv shortcut, boolean meanPool) {
            this.norm1 = norm1;
            this.conv1 = conv1;
            this.norm2 = norm2;
            this.conv2 = conv2;
            this.shortcut = shortcut;
            this.meanPool = meanPool;
        }

        PtNDArray apply(PtNDArray x, Pass pass) {
            PtNDArray t = norm1.apply(x, pass);
            PtNDArray a = Ops.elu(t);
            free(t);
            t = conv1.apply(a);
            free(a);
            PtNDArray u = norm2.apply(t, pass);
            free(t);
            a = Ops.elu(u);
            free(u);
            PtNDArray out = conv2.apply(a);
            free(a);
            if (meanPool) {
                PtNDArray pooled = Ops.meanPool2(out);
                free(out);
                out = pooled;
            }
            if (shortcut == null) {
                out.addi(x);
            } else {
                PtNDArray sc = shortcut.apply(x);
                if (meanPool) {
                    PtNDArray pooled = Ops.meanPool2(sc);
                    free(sc);
                    sc = pooled;
                }
                out.addi(sc);
                free(sc);
            }
            // in-place adds are safe under autograd: neither conv nor pooling saves its output for backward
            return out;
        }
    }

    /**
     * CondRCUBlock: blocks of (norm → ELU → conv without bias) × stages, each block with an identity skip; NCSNv2's
     * RCUBlock has no norms (null).
     */
    static final class Rcu {
        final Norm[][] norms;
        final Conv[][] convs;

        Rcu(Norm[][] norms, Conv[][] convs) {
            this.norms = norms;
            this.convs = convs;
        }

        PtNDArray apply(PtNDArray x, Pass pass) {
            PtNDArray current = x;
            for (int i = 0; i < convs.length; i++) {
                PtNDArray h = current;
                for (int j = 0; j < convs[i].length; j++) {
                    PtNDArray t = norms == null ? h : norms[i][j].apply(h, pass);
                    if (t != h && h != current) {
                        free(h);
                    }
                    PtNDArray a = Ops.elu(t);
                    if (t != current) {
                        free(t);
                    }
                    h = convs[i][j].apply(a);
                    free(a);
                }
                h.addi(current);
                if (current != x) {
                    free(current);
                }
                current = h;
            }
            return current;
        }
    }

    /**
     * CondCRPBlock: x ← ELU(x); path ← x; per stage path ← conv(avgpool5(norm(path))), x ← x + path. The 5×5
     * average pooling (stride 1, padding 2, padded zeros counted) runs as a separable box filter. NCSNv2's CRPBlock
     * has no norms (null) and pools with a 5×5 maximum (stride 1, padding 2) instead.
     */
    static final class Crp {
        final Norm[] norms;
        final Conv[] convs;
        final boolean maxPool;

        Crp(Norm[] norms, Conv[] convs, boolean maxPool) {
            this.norms = norms;
            this.convs = convs;
            this.maxPool = maxPool;
        }

        PtNDArray apply(PtNDArray input, Pass pass) {
            PtNDArray x = Ops.elu(input);
            PtNDArray path = x;
            for (int i = 0; i < convs.length; i++) {
                PtNDArray t = norms == null ? path : norms[i].apply(path, pass);
                if (t != path && path != x) {
                    free(path);
                }
                Shape ts = t.getShape();
                PtNDArray p = maxPool ? Ops.maxPool5(t) : Ops.boxFilter5(t, pass.box(Math.toIntExact(ts.get(2))),
                        pass.box(Math.toIntExact(ts.get(3))));
                if (t != x) {
                    free(t);
                }
                path = convs[i].apply(p);
                free(p);
                if (i == 0) {
                    // x (the ELU output) was read by this stage's normalisation or max pooling, which autograd may
                    // keep: no in-place
                    PtNDArray sum = pt(x.add(path));
                    free(x);
                    x = sum;
                } else {
                    x.addi(path);
                }
            }
            if (path != x) {
                free(path);
            }
            return x;
        }
    }

    /**
     * CondMSFBlock: per input norm → conv (with bias) → bilinear resize to the output size; summed. NCSNv2's MSFBlock
     * has no norms (null).
     */
    static final class Msf {
        final Conv[] convs;
        final Norm[] norms;

        Msf(Conv[] convs, Norm[] norms) {
            this.convs = convs;
            this.norms = norms;
        }

        PtNDArray apply(List<PtNDArray> xs, long height, long width, Pass pass) {
            PtNDArray sum = null;
            for (int i = 0; i < convs.length; i++) {
                PtNDArray t = norms == null ? xs.get(i) : norms[i].apply(xs.get(i), pass);
                PtNDArray h = convs[i].apply(t);
                if (t != xs.get(i)) {
                    free(t);
                }
                Shape s = h.getShape();
                if (s.get(2) != height || s.get(3) != width) {
                    // align_corners=True resize; at equal sizes it is the identity, so it is skipped then
                    PtNDArray r = Ops.resizeBilinear(h,
                            pass.interpolation(Math.toIntExact(s.get(2)), Math.toIntExact(height)),
                            pass.interpolation(Math.toIntExact(s.get(3)), Math.toIntExact(width)));
                    free(h);
                    h = r;
                }
                if (sum == null) {
                    sum = h;
                } else {
                    sum.addi(h);
                    free(h);
                }
            }
            return sum;
        }
    }

    /** CondRefineBlock: RCU per input → multi-resolution fusion (if several inputs) → CRP → output RCU. */
    static final class Refine {
        final Rcu[] adapt;
        final Rcu output;
        /** null for the start block, which has a single input. */
        final Msf msf;
        final Crp crp;

        Refine(Rcu[] adapt, Rcu output, Msf msf, Crp crp) {
            this.adapt = adapt;
            this.output = output;
            this.msf = msf;
            this.crp = crp;
        }

        PtNDArray apply(List<PtNDArray> xs, Pass pass) {
            Shape target = xs.get(0).getShape();
            PtNDArray[] hs = new PtNDArray[xs.size()];
            for (int i = 0; i < hs.length; i++) {
                hs[i] = adapt[i].apply(xs.get(i), pass);
            }
            PtNDArray h;
            if (msf != null) {
                h = msf.apply(List.of(hs), target.get(2), target.get(3), pass);
                for (PtNDArray a : hs) {
                    free(a);
                }
            } else {
                h = hs[0];
            }
            PtNDArray c = crp.apply(h, pass);
            free(h);
            PtNDArray out = output.apply(c, pass);
            free(c);
            return out;
        }
    }
}
