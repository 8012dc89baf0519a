package dev.ncsn.trainer.core;

import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.data.Dataset;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.ScoreNetworks;
import dev.ncsn.model.quality.FeatureClassifier;
import dev.ncsn.model.quality.QualityMeter;
import dev.ncsn.model.quality.SampleDraw;
import dev.ncsn.model.sampling.Samplers;
import dev.ncsn.trainer.config.FidGateSettings;

/**
 * The FID the promotion gate compares: a fixed small sample of a model (shared-model's {@link SampleDraw}: the same
 * seeds, sampler and steps for every model) scored by the quality meter against the first held-out images. The
 * reference's features are computed once per held-out set.
 */
final class FidMeter implements AutoCloseable {

    private final FidGateSettings settings;
    private final FeatureClassifier classifier;
    private QualityMeter meter;
    private String meterFor;

    FidMeter(FidGateSettings settings) {
        this.settings = settings;
        this.classifier = FeatureClassifier.read(settings.classifier());
    }

    /** What a reading depends on besides the model, for caching a live version's: the held-out set. */
    static String referenceKey(Dataset heldOut) {
        return heldOut.source() + "|" + heldOut.size();
    }

    /** The FID of a model of this architecture (whose family decides the final step unless the settings do). */
    synchronized double of(ScoreModel model, Architecture architecture, Dataset heldOut) {
        String key = referenceKey(heldOut);
        if (meter == null || !key.equals(meterFor)) {
            meter = new QualityMeter(classifier, heldOut, settings.referenceSize());
            meterFor = key;
        }
        boolean finalDenoise = settings.finalDenoise() != null ? settings.finalDenoise()
                : ScoreNetworks.samplingDefaults(architecture, model.schedule()).finalDenoise();
        SampleDraw draw = new SampleDraw(settings.samples(), settings.batchSize(), settings.seed(),
                Samplers.create(settings.sampler(), null), settings.stepsPerLevel(), settings.stepSize(), finalDenoise);
        return meter.fid(draw.draw(model, SampleDraw.Progress.NONE), settings.samples());
    }

    @Override
    public synchronized void close() {
        classifier.close();
    }
}
