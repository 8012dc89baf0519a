package dev.ncsn.sampler.core;

import dev.ncsn.sampler.config.BatchSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rule that picks the per-pass budget, on cost curves whose answer is known; no network. */
class BatchCalibrationTest {

    private static final long MS = 1_000_000;

    /**
     * A forward pass that costs {@code overhead + perImage·batch} (per-operation overhead plus work), times
     * {@code slowdown} beyond a size where the work stops fitting the caches; the first pass of every batch size
     * from {@code penaltyFrom} on is {@code firstPassPenalty} slower (kernels chosen, memory allocated, another
     * process on the core), as on a real device.
     */
    static final class FakeCostCurve implements BatchCalibration.PassCost {
        final long overhead;
        final long perImage;
        final int saturatesAt;
        final double slowdown;
        final double firstPassPenalty;
        final int penaltyFrom;
        final int failsAt;
        /** Passes (by their number from 0) that run {@code busyFactor} slower: a neighbour on the device. */
        int busyFrom = -1;
        int busyTo = -1;
        double busyFactor = 1;
        final List<Integer> asked = new ArrayList<>();
        long spent;

        FakeCostCurve(long overhead, long perImage, int saturatesAt, double slowdown, double firstPassPenalty,
                      int penaltyFrom, int failsAt) {
            this.overhead = overhead;
            this.perImage = perImage;
            this.saturatesAt = saturatesAt;
            this.slowdown = slowdown;
            this.firstPassPenalty = firstPassPenalty;
            this.penaltyFrom = penaltyFrom;
            this.failsAt = failsAt;
        }

        static FakeCostCurve linear(long overhead, long perImage) {
            return new FakeCostCurve(overhead, perImage, Integer.MAX_VALUE, 1, 0, 1, Integer.MAX_VALUE);
        }

        static FakeCostCurve saturating(long overhead, long perImage, int saturatesAt, double slowdown) {
            return new FakeCostCurve(overhead, perImage, saturatesAt, slowdown, 0, 1, Integer.MAX_VALUE);
        }

        static FakeCostCurve slowFirstPasses(long overhead, long perImage, double penalty, int from) {
            return new FakeCostCurve(overhead, perImage, Integer.MAX_VALUE, 1, penalty, from, Integer.MAX_VALUE);
        }

        static FakeCostCurve failing(long overhead, long perImage, int failsAt) {
            return new FakeCostCurve(overhead, perImage, Integer.MAX_VALUE, 1, 0, 1, failsAt);
        }

        @Override
        public long nanos(int batch) {
            if (batch >= failsAt) {
                throw new IllegalStateException("out of memory at " + batch);
            }
            double t = overhead + (double) perImage * batch;
            if (batch > saturatesAt) {
                t *= slowdown;
            }
            if (batch >= penaltyFrom && !asked.contains(batch)) {
                t *= 1 + firstPassPenalty;
            }
            if (asked.size() >= busyFrom && asked.size() < busyTo) {
                t *= busyFactor;
            }
            asked.add(batch);
            spent += (long) t;
            return (long) t;
        }

        FakeCostCurve busy(int from, int to, double factor) {
            busyFrom = from;
            busyTo = to;
            busyFactor = factor;
            return this;
        }

        /** The fake clock: the time of the passes so far. */
        long spent() {
            return spent;
        }

        int largestAsked() {
            return asked.stream().mapToInt(Integer::intValue).max().orElse(0);
        }
    }

    private static BatchCalibration.Result calibrate(BatchCalibration rule, FakeCostCurve curve) {
        return rule.calibrate(curve, curve::spent);
    }

    private static BatchCalibration rule(double threshold) {
        return new BatchCalibration(threshold, 60_000 * MS, 1 << 20, 3);
    }

    @Test
    void takesTheLargestBatchWhoseTimePerImageStillDropsByTheThreshold() {
        // 20 ms overhead + 4 ms per image: per image 24, 14, 9, 6.5, 5.25, 4.63, 4.31, 4.16 ms at 1 … 128, so the
        // doublings gain 42, 36, 28, 19, 12, 6.8, 3.6 %.
        FakeCostCurve curve = FakeCostCurve.linear(20 * MS, 4 * MS);
        BatchCalibration.Result at5 = rule(0.05).calibrate(curve, curve::spent);
        assertEquals(64, at5.budget(), at5.toString());
        assertEquals(List.of(1, 2, 4, 8, 16, 32, 64, 128), at5.points().stream().map(BatchCalibration.Point::batch).toList());
        assertTrue(at5.why().contains("128 images per pass, where the time per image changed by -3.6 %"), at5.why());

        assertEquals(32, calibrate(rule(0.10), FakeCostCurve.linear(20 * MS, 4 * MS)).budget());
        assertEquals(8, calibrate(rule(0.25), FakeCostCurve.linear(20 * MS, 4 * MS)).budget());
    }

    @Test
    void stopsBeforeTheBatchWherePassesGetSlowerPerImage() {
        // Still 12 % cheaper per image from 16 to 32 on the linear part, but beyond 16 everything runs 1.5× slower.
        FakeCostCurve curve = FakeCostCurve.saturating(20 * MS, 4 * MS, 16, 1.5);
        BatchCalibration.Result r = rule(0.05).calibrate(curve, curve::spent);
        assertEquals(16, r.budget(), r.toString());
        assertEquals(32, curve.largestAsked(), "no batch beyond the first one that did not pay is tried");
    }

    @Test
    void aBatchOfTwoThatGainsNothingLeavesOneImagePerPass() {
        BatchCalibration.Result r = calibrate(rule(0.05), FakeCostCurve.linear(0, 10 * MS));
        assertEquals(1, r.budget(), r.toString());
    }

    @Test
    void theFastestOfEachBatchsPassesCountsSoOneSlowPassDoesNotStopTheDoubling() {
        // The first pass at 16 and beyond is three times slower (kernels chosen, a neighbour on the core): timed
        // once, 16 looks worse per image than 8; the fastest of three gives the clean curve's answer, and so does
        // a single pass per size, through the second look at a doubling that seems not to pay.
        FakeCostCurve thrice = FakeCostCurve.slowFirstPasses(20 * MS, 4 * MS, 2.0, 16);
        BatchCalibration.Result r = rule(0.05).calibrate(thrice, thrice::spent);
        assertEquals(64, r.budget(), r.toString());
        assertEquals(List.of(1, 1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8, 16, 16, 16), thrice.asked.subList(0, 15),
                "16's three passes came right after 8's");
        assertEquals(8 * 3 + 2 * 3, thrice.asked.size(),
                "three passes of each size 1 … 128, and a second look only at 128, the one that really does not pay");
        FakeCostCurve once = FakeCostCurve.slowFirstPasses(20 * MS, 4 * MS, 2.0, 16);
        assertEquals(64, new BatchCalibration(0.05, 60_000 * MS, 1 << 20, 1).calibrate(once, once::spent).budget());
    }

    @Test
    void aDoublingThatSeemsNotToPayIsTimedAgainBeforeItIsBelieved() {
        // The three passes of 16 (passes 12 to 14) ran while something else had the device: twice as slow.
        FakeCostCurve busy = FakeCostCurve.linear(20 * MS, 4 * MS).busy(12, 15, 2.0);
        BatchCalibration.Result r = rule(0.05).calibrate(busy, busy::spent);
        assertEquals(64, r.budget(), r.toString());
        // A curve that really stops paying at 16 still stops there, after the second look.
        FakeCostCurve real = FakeCostCurve.saturating(20 * MS, 4 * MS, 8, 1.9);
        BatchCalibration.Result stop = rule(0.05).calibrate(real, real::spent);
        assertEquals(8, stop.budget(), stop.toString());
        assertTrue(stop.why().startsWith("16 images per pass, where the time per image changed by +"), stop.why());
    }

    @Test
    void theMeasurementStaysWithinItsTimeBound() {
        // 100 ms + 1 ms per image, 3 passes per size: 303, 306, 312, 324, 348 ms for 1 … 16 (1.59 s in all); the
        // 3 passes of 32 (predicted 2 × 116 ms each) would take it past 2 s, so it stops at 16, still improving.
        FakeCostCurve curve = FakeCostCurve.linear(100 * MS, MS);
        BatchCalibration.Result r = new BatchCalibration(0.05, 2_000 * MS, 1 << 20, 3).calibrate(curve, curve::spent);
        assertEquals(16, r.budget(), r.toString());
        assertEquals("the calibration time bound", r.why());
        assertEquals(curve.spent, r.spentNanos());
        assertTrue(r.spentNanos() <= 2_000 * MS, "spent " + r.spentNanos());
        assertEquals(16, curve.largestAsked());
    }

    @Test
    void theBoundIsOnTheClockGivenNotOnWhatThePassesReport() {
        // Passes that report their CPU time on a device shared ten ways: the wall clock runs ten times faster than
        // the costs add up. 100 ms + 1 ms per image: the three passes of 1 take 3.03 s of wall time, already past
        // the 2 s bound for the next size, so the budget stays at 1 (by the reported costs alone it would be 16).
        FakeCostCurve curve = FakeCostCurve.linear(100 * MS, MS);
        BatchCalibration.Result r = new BatchCalibration(0.05, 2_000 * MS, 1 << 20, 3).calibrate(curve,
                () -> 10 * curve.spent());
        assertEquals(1, r.budget(), r.toString());
        assertEquals("the calibration time bound", r.why());
        assertEquals(10 * curve.spent, r.spentNanos());
    }

    @Test
    void neverTriesMoreThanTheLargestBatch() {
        FakeCostCurve pureOverhead = FakeCostCurve.linear(20 * MS, 0);
        BatchCalibration.Result r = calibrate(new BatchCalibration(0.05, 60_000 * MS, 64, 3), pureOverhead);
        assertEquals(64, r.budget());
        assertEquals(64, pureOverhead.largestAsked());
        assertEquals("the largest batch tried", r.why());
    }

    @Test
    void aPassThatFailsEndsTheDoublingAtTheBatchBeforeIt() {
        FakeCostCurve outOfMemory = FakeCostCurve.failing(20 * MS, 0, 32);
        BatchCalibration.Result r = rule(0.05).calibrate(outOfMemory, outOfMemory::spent);
        assertEquals(16, r.budget());
        assertTrue(r.why().startsWith("a pass of 32 failed"), r.why());
    }

    @Test
    void theBudgetSettingIsAutoOrAPositiveNumber() {
        assertEquals(BatchSettings.AUTO, BatchSettings.parseBudget("auto"));
        assertEquals(BatchSettings.AUTO, BatchSettings.parseBudget(" AUTO "));
        assertEquals(48, BatchSettings.parseBudget("48"));
        for (String bad : List.of("0", "-3", "many", "")) {
            assertThrows(IllegalArgumentException.class, () -> BatchSettings.parseBudget(bad), bad);
        }
        assertTrue(BatchSettings.auto().isAuto());
        assertEquals(16, BatchSettings.fixed(16).budget());
    }

    @Test
    void theLanesSettingIsAutoOrAPositiveNumberAndAutoIsOnePerCoreOnTheCpuAndOneOnAGpu() {
        assertEquals(BatchSettings.AUTO, BatchSettings.parseLanes("auto"));
        assertEquals(3, BatchSettings.parseLanes(" 3 "));
        for (String bad : List.of("0", "-1", "two", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BatchSettings.parseLanes(bad), bad);
            assertTrue(e.getMessage().contains("ncsn.sampler.batch.lanes"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> BatchSettings.auto().withLanes(-1));
        assertEquals(3, SamplerNode.lanes(BatchSettings.auto().withLanes(3), ai.djl.Device.cpu()));
        assertEquals(1, SamplerNode.lanes(BatchSettings.auto(), ai.djl.Device.gpu()), "a GPU runs one pass at a time");
        // The tests give PyTorch its thread count, so auto keeps it: cores / threads, at least one.
        ai.djl.engine.Engine.getInstance();
        int threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
        assertEquals(Math.max(1, Runtime.getRuntime().availableProcessors() / threads),
                SamplerNode.lanes(BatchSettings.auto(), ai.djl.Device.cpu()));
        assertEquals(threads, ai.djl.pytorch.jni.JniUtils.getNumThreads(), "a configured thread count is kept");
    }
}
