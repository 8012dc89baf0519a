package dev.ncsn.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.ncsn.model.OwnedArrays;
import dev.ncsn.model.ScoreModel;

import java.util.random.RandomGenerator;

/**
 * Denoising score matching over all noise levels, the paper's eq. (5)–(6) with λ(σ) = σ²: for each sample a level
 * i and noise z ~ N(0, I), x̃ = x + σ_i·z, and
 * <pre>
 *   ℓ = ½·σ²·‖s(x̃, σ) + (x̃ − x)/σ²‖² = ½·‖σ·s(x̃, σ) + z‖²,
 * </pre>
 * averaged over the batch (the reference's {@code anneal_dsm_score_estimation} with anneal power 2). The second
 * form is what is computed: it needs no division by σ² and has the same value.
 *
 * <p>All randomness comes from a {@link Perturbation}, drawn from a caller's {@link RandomGenerator} or fixed for a
 * held-out evaluation; DJL's global generator is never used. Temporaries live in a sub-manager of x's manager that
 * is closed before returning; the result is attached to x's manager. Closing intermediate handles does not disturb
 * autograd: PyTorch's graph keeps its own references to what it saved.
 */
public final class DenoisingScoreMatching implements ScoreMatchingLoss {

    /** Draws a {@link Perturbation} (levels uniform, then noise) from {@code rng} and returns the batch mean. */
    @Override
    public NDArray loss(ScoreModel model, NDArray x, RandomGenerator rng) {
        Perturbation p = Perturbation.draw(Batches.batchSize(x), Batches.sampleSize(x), model.schedule().levels(),
                rng);
        return loss(model, x, p);
    }

    /** The batch mean for given levels and noise: a float32 scalar attached to x's manager. */
    public NDArray loss(ScoreModel model, NDArray x, Perturbation p) {
        NDArray perSample = perSampleLoss(model, x, p);
        NDArray mean = perSample.mean();
        perSample.close();
        return mean;
    }

    /** ½‖σ·s(x + σz) + z‖² per sample: float32 [N] attached to x's manager. */
    public NDArray perSampleLoss(ScoreModel model, NDArray x, Perturbation p) {
        Batches.check(model, x, p);
        NDManager out = x.getManager();
        try (NDManager tmp = out.newSubManager()) {
            NDArray sigma = Batches.perSample(tmp, Batches.sigmas(model.schedule(), p.levels()), x.getShape());
            NDArray z = OwnedArrays.copyOf(tmp, p.noise(), x.getShape());
            NDArray noisy = z.mul(sigma).addi(x);
            NDArray score = model.score(noisy, Batches.levels(tmp, p.levels()));
            NDArray residual = score.mul(sigma).addi(z);
            NDArray loss = Batches.sumPerSample(residual.square()).muli(OwnedArrays.scalar(tmp, 0.5f));
            loss.attach(out);
            return loss;
        }
    }
}
