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
 * The building blocks of CondRefineNetDilated. Conventions: a block never closes its inputs (the caller may still
 * need them) and closes every large temporary it made as soon as it is consumed; closing a handle early is safe
 * under autograd because the recorded graph keeps its own references to what it saved.
 */
final class Layers {

    private Layers() {
    }

    /** State of one forward pass: the scope all intermediates live in and the per-sample level indices. */
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

    /**
     * Conditional instance normalisation++ (the paper's appendix A). For sample n, channel k and level y:
     * out = γ[y,k]·(h + α[y,k]·μ̃) + β[y,k] with h the instance-normalised x (biased variance, eps 1e-5) and μ̃ the
     * per-sample standardised channel means (unbiased variance over channels, eps 1e-5). Written as
     * out = x·a + b with a = γ/√(σ² + eps) and b = γ·α·μ̃ + β − μ·a, so the full-size work is two reductions,
     * one square, one multiply and one add; everything else is on [N, C]. Every op keeps the
     * memory layout of x (the network runs channels-last).
     */
    static final class CondNorm {
        private static final int[] SPATIAL = {2, 3};
        private static final int[] CHANNELS = {1};

        /** [L, 3C] table; columns γ | α | β (the reference's embedding layout). */
        final Param table;
        final int channels;

        CondNorm(Param table, int channels) {
            this.table = table;
            this.channels = channels;
        }

        PtNDArray apply(PtNDArray x, Pass pass) {
            Shape s = x.getShape();
            long n = s.get(0);
            long c = s.get(1);
            long area = s.get(2) * s.get(3);
            if (c != channels) {
                throw new IllegalStateException("normalisation layer " + table.name + " expects " + channels
                        + " channels, got " + c);
            }
            PtNDArray rows = Ops.embedding(pass.levels, table.array); // [N, 3C]
            NDList parts = rows.split(3, 1);
            NDArray gamma = parts.get(0).reshape(n, c, 1, 1);
            NDArray alpha = parts.get(1).reshape(n, c, 1, 1);
            NDArray beta = parts.get(2).reshape(n, c, 1, 1);

            // Divisors and bounds are PyTorch-owned scalars: autograd keeps them for the backward pass (see OwnedArrays).
            NDArray areaScalar = OwnedArrays.scalar(pass.scope, area);
            // The variance is E[x²] − μ², so x is never centred: full-size passes over memory, not the arithmetic, are
            // what normalisation costs on a CPU. (torch's norm() would avoid materialising x², but over the spatial
            // axes of channels-last memory it is three times slower than square-then-sum.) The difference can round
            // below zero for a nearly constant channel: clamped.
            NDArray mu = x.sum(SPATIAL, true).div(areaScalar); // [N, C, 1, 1]
            NDArray squares = x.square();
            NDArray meanSquare = squares.sum(SPATIAL, true).div(areaScalar);
            free(squares);
            NDArray variance = meanSquare.sub(mu.square()).maximum(OwnedArrays.scalar(pass.scope, 0f)); // biased

            NDArray mDev = mu.sub(mu.mean(CHANNELS, true));
            NDArray channelVar = mDev.square().sum(CHANNELS, true).div(OwnedArrays.scalar(pass.scope, c - 1)); // unbiased
            NDArray muTilde = mDev.div(channelVar.add(Ops.INSTANCE_NORM_EPS).sqrt());
            NDArray scale = gamma.div(variance.add(Ops.INSTANCE_NORM_EPS).sqrt());
            NDArray shift = gamma.mul(alpha).mul(muTilde).add(beta).sub(mu.mul(scale));

            PtNDArray out = pt(x.mul(scale));
            out.addi(shift); // in place on the product: multiplication does not save its output for backward
            return out;
        }
    }

    /** ConditionalResidualBlock: norm → ELU → conv → norm → ELU → conv (→ 2×2 mean pool), plus shortcut. */
    static final class ResBlock {
        final CondNorm norm1;
        final Conv conv1;
        final CondNorm norm2;
        final Conv conv2;
        /** null when the block is an identity-shortcut block. */
        final Conv shortcut;
        /** conv2 and the shortcut are followed by 2×2 mean pooling (the reference's ConvMeanPool). */
        final boolean meanPool;

        ResBlock(CondNorm norm1, Conv conv1, CondNorm norm2, Conv conv2, Conv shortcut, boolean meanPool) {
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

    /** CondRCUBlock: blocks of (norm → ELU → conv without bias) × stages, each block with an identity skip. */
    static final class Rcu {
        final CondNorm[][] norms;
        final Conv[][] convs;

        Rcu(CondNorm[][] norms, Conv[][] convs) {
            this.norms = norms;
            this.convs = convs;
        }

        PtNDArray apply(PtNDArray x, Pass pass) {
            PtNDArray current = x;
            for (int i = 0; i < norms.length; i++) {
                PtNDArray h = current;
                for (int j = 0; j < norms[i].length; j++) {
                    PtNDArray t = norms[i][j].apply(h, pass);
                    if (h != current) {
                        free(h);
                    }
                    PtNDArray a = Ops.elu(t);
                    free(t);
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
     * average pooling (stride 1, padding 2, padded zeros counted) runs as a separable box filter.
     */
    static final class Crp {
        final CondNorm[] norms;
        final Conv[] convs;

        Crp(CondNorm[] norms, Conv[] convs) {
            this.norms = norms;
            this.convs = convs;
        }

        PtNDArray apply(PtNDArray input, Pass pass) {
            PtNDArray x = Ops.elu(input);
            PtNDArray path = x;
            for (int i = 0; i < norms.length; i++) {
                PtNDArray t = norms[i].apply(path, pass);
                if (path != x) {
                    free(path);
                }
                Shape ts = t.getShape();
                PtNDArray p = Ops.boxFilter5(t, pass.box(Math.toIntExact(ts.get(2))),
                        pass.box(Math.toIntExact(ts.get(3))));
                free(t);
                path = convs[i].apply(p);
                free(p);
                if (i == 0) {
                    // x (the ELU output) was read by this stage's normalisation, which autograd may keep: no in-place
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

    /** CondMSFBlock: per input norm → conv (with bias) → bilinear resize to the output size; summed. */
    static final class Msf {
        final Conv[] convs;
        final CondNorm[] norms;

        Msf(Conv[] convs, CondNorm[] norms) {
            this.convs = convs;
            this.norms = norms;
        }

        PtNDArray apply(List<PtNDArray> xs, long height, long width, Pass pass) {
            PtNDArray sum = null;
            for (int i = 0; i < convs.length; i++) {
                PtNDArray t = norms[i].apply(xs.get(i), pass);
                PtNDArray h = convs[i].apply(t);
                free(t);
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
