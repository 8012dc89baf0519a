package dev.ncsn.sampler.core;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import dev.ncsn.model.ScoreModel;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.sampler.config.BatchSettings;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-pass sample budget of each network a worker loads: the configured number, or (with {@code auto}) a
 * {@link BatchCalibration} on the loaded network, once per network shape. A hot reload to a version of the same
 * shape (a later training step) keeps the measured budget, since its passes cost the same; a version of another
 * shape (other sizes, family or image size) is measured again, on the reloader's thread before it is swapped in.
 *
 * <p>The measurement is of one lane (one thread's passes); a pass split over {@code lanes} lanes holds that many
 * times the measured batch, each lane its measured share. A configured number is the whole pass's.
 */
public final class BatchBudgets {

    private static final Logger LOG = Logger.getLogger(BatchBudgets.class);
    private static final int REPEATS = 3;

    /** What makes two networks cost the same per pass: everything of the architecture but its preset's name. */
    record Shape(String family, int channels, int imageSize, int ngf, int levels, String device) {
        static Shape of(Architecture a, String device) {
            return new Shape(a.family(), a.channels(), a.imageSize(), a.ngf(), a.levels(), device);
        }
    }

    private final BatchSettings settings;
    private final int lanes;
    private final Map<Shape, BatchCalibration.Result> measured = new ConcurrentHashMap<>();

    /** One lane. */
    public BatchBudgets(BatchSettings settings) {
        this(settings, 1);
    }

    /** @param lanes threads each pass is split over ({@link dev.ncsn.model.sampling.PassLanes}) */
    public BatchBudgets(BatchSettings settings, int lanes) {
        if (lanes < 1) {
            throw new IllegalArgumentException("at least one lane, got " + lanes);
        }
        this.settings = settings;
        this.lanes = lanes;
    }

    /** Threads each pass is split over. */
    public int lanes() {
        return lanes;
    }

    public BatchSettings settings() {
        return settings;
    }

    /** How many networks have been measured (each distinct shape once). */
    public int calibrations() {
        return measured.size();
    }

    /** The measurement of a shape, if one was made. */
    java.util.Optional<BatchCalibration.Result> result(Shape shape) {
        return java.util.Optional.ofNullable(measured.get(shape));
    }

    /** The measurements made so far, one per network shape. */
    public java.util.List<BatchCalibration.Result> results() {
        return java.util.List.copyOf(measured.values());
    }

    /**
     * The budget for a version loaded on the request consumer's thread for one job (a resume on its snapshot's
     * version, no longer live): never measured there, since the calibration's passes (up to the calibration time)
     * would stall every partition the consumer reads. The shape's measurement if there is one, else the largest
     * measured for any shape (the live networks'), else the largest batch that auto would try; the job's own images
     * bound a pass of a version only it uses anyway.
     */
    public int budgetWithoutMeasuring(Architecture architecture, Device device, String what) {
        if (!settings.isAuto()) {
            return settings.budget();
        }
        BatchCalibration.Result known = measured.get(Shape.of(architecture, device.toString()));
        if (known != null) {
            return lanes * known.budget();
        }
        int budget = measured.values().stream().mapToInt(r -> lanes * r.budget()).max()
                .orElse(settings.largest());
        LOG.infof("batch budget of %s: %d per pass, not measured (loaded for one job on the consumer's thread)",
                what, budget);
        return budget;
    }

    /**
     * The budget for a network just loaded and warmed up; measures it when auto and its shape is new.
     *
     * @param what the version, for the log
     */
    public int budgetFor(ScoreModel network, NDManager manager, Architecture architecture, Device device,
                         String what) {
        if (!settings.isAuto()) {
            return settings.budget();
        }
        Shape shape = Shape.of(architecture, device.toString());
        BatchCalibration.Result known = measured.get(shape);
        if (known != null) {
            int budget = lanes * known.budget();
            LOG.infof("batch budget of %s: %d per pass, as measured before for its shape", what, budget);
            return budget;
        }
        BatchCalibration calibration = new BatchCalibration(settings.threshold(), settings.calibrationTime().toNanos(),
                settings.largest(), REPEATS);
        long start = System.nanoTime();
        NetworkPassCost passes = new NetworkPassCost(network, manager, NetworkPassCost.onCallingThread(device));
        BatchCalibration.Result result = calibration.calibrate(passes);
        measured.put(shape, result);
        int budget = lanes * result.budget();
        LOG.infof("batch budget of %s on %s: %d per pass (%d per lane × %d lanes), measured in %d ms by %s (stopped "
                        + "at %s; %s)", what, device, budget, result.budget(), lanes,
                (System.nanoTime() - start) / 1_000_000, passes.cpuTime() ? "the pass's CPU time" : "wall time",
                result.why(), result.curve());
        return budget;
    }
}
