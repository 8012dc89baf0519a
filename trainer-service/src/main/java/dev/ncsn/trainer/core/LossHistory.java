package dev.ncsn.trainer.core;

import dev.ncsn.model.image.LossCurvePlot;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The training loss over a run, for the loss curve published with each version: one point per {@code every}
 * steps, the mean loss of those steps. Bounded by design: a run of 100,000 steps with every = 100 keeps 1,000
 * points. Synchronised.
 */
public final class LossHistory {

    private final int every;
    private final List<Long> steps = new ArrayList<>();
    private final List<Double> losses = new ArrayList<>();
    private double sum;
    private int count;

    public LossHistory(int every) {
        if (every < 1) {
            throw new IllegalArgumentException("every must be at least 1");
        }
        this.every = every;
    }

    /** Points every {@code max(1, steps / 1000)} steps: about a thousand points per segment. */
    public static int spacingFor(long steps) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, steps / 1000));
    }

    /** Records the loss of the step that has just brought the counter to {@code step}. */
    public synchronized void add(long step, double loss) {
        if (!Double.isFinite(loss)) {
            return;
        }
        sum += loss;
        count++;
        if (step % every == 0) {
            steps.add(step);
            losses.add(sum / count);
            sum = 0;
            count = 0;
        }
    }

    /** Forgets points after {@code step} (after a resume from that step, they are trained again). */
    public synchronized void truncate(long step) {
        while (!steps.isEmpty() && steps.get(steps.size() - 1) > step) {
            steps.remove(steps.size() - 1);
            losses.remove(losses.size() - 1);
        }
        sum = 0;
        count = 0;
    }

    public synchronized int size() {
        return steps.size();
    }

    public synchronized String toCsv() {
        StringBuilder b = new StringBuilder("step,loss\n");
        for (int i = 0; i < steps.size(); i++) {
            b.append(steps.get(i)).append(',').append(String.format(Locale.ROOT, "%.8g", losses.get(i)))
                    .append('\n');
        }
        return b.toString();
    }

    public static LossHistory fromCsv(String csv, int every) {
        LossHistory h = new LossHistory(every);
        for (String line : csv.split("\n")) {
            String[] f = line.trim().split(",");
            if (f.length == 2 && !f[0].equals("step")) {
                try {
                    h.steps.add(Long.parseLong(f[0]));
                    h.losses.add(Double.parseDouble(f[1]));
                } catch (NumberFormatException e) {
                    // a damaged line: the curve is informational, skip it
                }
            }
        }
        return h;
    }

    /** The curve as a PNG. */
    public synchronized byte[] png(String title) {
        long[] x = new long[steps.size()];
        double[] y = new double[steps.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = steps.get(i);
            y[i] = losses.get(i);
        }
        return LossCurvePlot.png(x, y, title);
    }
}
