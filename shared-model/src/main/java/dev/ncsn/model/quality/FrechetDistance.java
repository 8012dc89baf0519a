package dev.ncsn.model.quality;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.EigenDecomposition_F64;

/**
 * The Fréchet distance between two Gaussians (Heusel et al. 2017, "GANs trained by a two time-scale update rule
 * converge to a local Nash equilibrium"; FID when the Gaussians are fitted to classifier features of two image sets):
 * <pre>
 *   d² = ‖μ₁ − μ₂‖² + Tr C₁ + Tr C₂ − 2·Tr √(C₁C₂)
 * </pre>
 * Tr √(C₁C₂) is computed as Tr √(√C₁ · C₂ · √C₁): that matrix is symmetric positive semi-definite and similar to
 * C₁C₂, so its eigenvalues are those of C₁C₂ and real. Both square roots come from symmetric eigendecompositions
 * (EJML), with eigenvalues that rounding pushed below zero set to zero. A rank-deficient covariance (fewer samples
 * than dimensions, a feature that never varies) is therefore handled exactly, where a general matrix square root of
 * C₁C₂ (scipy's {@code sqrtm}) goes complex or needs the ε·I that pytorch-fid adds.
 */
public final class FrechetDistance {

    private FrechetDistance() {
    }

    /** d² between the two Gaussians; never negative (rounding below zero is returned as 0). */
    public static double between(GaussianStatistics a, GaussianStatistics b) {
        int d = a.dimension();
        if (b.dimension() != d) {
            throw new IllegalArgumentException("statistics of " + d + " and " + b.dimension() + " dimensions");
        }
        double meanTerm = 0;
        for (int j = 0; j < d; j++) {
            double diff = a.mean()[j] - b.mean()[j];
            meanTerm += diff * diff;
        }
        double traces = 0;
        for (int j = 0; j < d; j++) {
            traces += a.covariance()[j][j] + b.covariance()[j][j];
        }
        double value = meanTerm + traces - 2 * traceSqrtProduct(a.covariance(), b.covariance());
        return Math.max(0, value);
    }

    /** Tr √(C₁C₂) for symmetric positive semi-definite C₁, C₂. */
    public static double traceSqrtProduct(double[][] c1, double[][] c2) {
        DMatrixRMaj a = new DMatrixRMaj(c1);
        DMatrixRMaj b = new DMatrixRMaj(c2);
        int d = a.numRows;
        if (a.numCols != d || b.numRows != d || b.numCols != d) {
            throw new IllegalArgumentException("square matrices of one size needed");
        }
        DMatrixRMaj rootA = sqrtSymmetric(a);
        DMatrixRMaj tmp = new DMatrixRMaj(d, d);
        DMatrixRMaj m = new DMatrixRMaj(d, d);
        CommonOps_DDRM.mult(rootA, b, tmp);
        CommonOps_DDRM.mult(tmp, rootA, m);
        symmetrize(m);
        double trace = 0;
        for (double lambda : symmetricEigenvalues(m)) {
            trace += Math.sqrt(Math.max(0, lambda));
        }
        return trace;
    }

    /** √A = V·diag(√max(λ, 0))·Vᵀ for symmetric A. */
    static DMatrixRMaj sqrtSymmetric(DMatrixRMaj a) {
        int d = a.numRows;
        DMatrixRMaj s = a.copy();
        symmetrize(s);
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, true, true);
        if (!eig.decompose(s)) {
            throw new ArithmeticException("eigendecomposition of a " + d + "×" + d + " covariance failed");
        }
        DMatrixRMaj root = new DMatrixRMaj(d, d);
        for (int k = 0; k < eig.getNumberOfEigenvalues(); k++) {
            double lambda = eig.getEigenvalue(k).getReal();
            if (lambda <= 0) {
                continue;
            }
            double r = Math.sqrt(lambda);
            DMatrixRMaj v = eig.getEigenVector(k);
            for (int i = 0; i < d; i++) {
                double vi = v.get(i, 0) * r;
                if (vi == 0) {
                    continue;
                }
                for (int j = 0; j < d; j++) {
                    root.add(i, j, vi * v.get(j, 0));
                }
            }
        }
        return root;
    }

    static double[] symmetricEigenvalues(DMatrixRMaj m) {
        int d = m.numRows;
        EigenDecomposition_F64<DMatrixRMaj> eig = DecompositionFactory_DDRM.eig(d, false, true);
        if (!eig.decompose(m.copy())) {
            throw new ArithmeticException("eigendecomposition of a " + d + "×" + d + " matrix failed");
        }
        double[] values = new double[eig.getNumberOfEigenvalues()];
        for (int k = 0; k < values.length; k++) {
            values[k] = eig.getEigenvalue(k).getReal();
        }
        return values;
    }

    /** (M + Mᵀ)/2 in place: removes the rounding asymmetry of a product that is symmetric in exact arithmetic. */
    private static void symmetrize(DMatrixRMaj m) {
        int d = m.numRows;
        for (int i = 0; i < d; i++) {
            for (int j = i + 1; j < d; j++) {
                double v = 0.5 * (m.get(i, j) + m.get(j, i));
                m.set(i, j, v);
                m.set(j, i, v);
            }
        }
    }
}
