package dev.ncsn.model.sampling;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * Threads that evaluate parts of one shared forward pass at the same time, the calling thread being the first lane.
 *
 * <p>Why: on a CPU, PyTorch's own intra-op threads gain little on the small images and batches a pool of one-image
 * jobs makes (their hand-offs cost about what the ops do), while one PyTorch thread per core, each on its own part
 * of the batch, uses every core (the sampler-service README measures both). A sample's score does not depend on the
 * rest of its batch (on the CPU bit for bit at the same batch size, to float rounding across sizes), so splitting a
 * pass changes no result beyond that rounding. On a GPU one lane is right: the
 * device runs one pass at a time anyway.
 */
public final class PassLanes implements AutoCloseable {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final PassLanes SINGLE = new PassLanes(1);

    private final int count;
    /** count − 1 helper threads; null with one lane. */
    private final ExecutorService helpers;
    private final AtomicLong helperCpuNanos = new AtomicLong();

    private PassLanes(int count) {
        this.count = count;
        if (count == 1) {
            helpers = null;
            return;
        }
        AtomicInteger next = new AtomicInteger(1);
        helpers = Executors.newFixedThreadPool(count - 1, r -> {
            Thread t = new Thread(r, "ncsn-pass-lane-" + next.getAndIncrement());
            t.setDaemon(true);
            return t;
        });
    }

    /** One lane: every pass on the calling thread (nothing to close). */
    public static PassLanes single() {
        return SINGLE;
    }

    /** {@code count} lanes: the calling thread and count − 1 threads of its own, until {@link #close}. */
    public static PassLanes of(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a pass needs at least one lane, got " + count);
        }
        return count == 1 ? SINGLE : new PassLanes(count);
    }

    public int count() {
        return count;
    }

    /** Parts a pass of {@code rows} samples is split into: one per lane, at least one sample each. */
    public int parts(int rows) {
        if (helpers == null || helpers.isShutdown()) {
            return 1;
        }
        return Math.max(1, Math.min(count, rows));
    }

    /** First row of part {@code part} of {@code parts} over {@code rows} rows (contiguous, sizes differ by ≤ 1). */
    static int firstRow(int rows, int parts, int part) {
        return (int) ((long) rows * part / parts);
    }

    /** CPU time the helper threads spent in parts so far (the calling thread's share is its own). */
    public long helperCpuNanos() {
        return helperCpuNanos.get();
    }

    /**
     * Runs {@code part.accept(i)} for every i in [0, parts), part 0 on the calling thread and the others on the
     * helpers, and returns when all have ended. The first failure is rethrown after every part has ended, so no
     * part still runs (or holds arrays) when the caller goes on.
     */
    public void run(int parts, IntConsumer part) {
        if (parts < 1 || parts > count) {
            throw new IllegalArgumentException(parts + " parts for " + count + " lanes");
        }
        if (parts == 1) {
            part.accept(0);
            return;
        }
        List<Future<?>> others = new ArrayList<>(parts - 1);
        for (int i = 1; i < parts; i++) {
            int index = i;
            others.add(helpers.submit(() -> {
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                try {
                    part.accept(index);
                } finally {
                    helperCpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu0);
                }
            }));
        }
        RuntimeException failure = null;
        try {
            part.accept(0);
        } catch (RuntimeException e) {
            failure = e;
        }
        boolean interrupted = false;
        for (Future<?> f : others) {
            while (true) {
                try {
                    f.get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the parts must end before the caller reuses or closes their inputs
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException r ? r
                                : new IllegalStateException("a pass lane failed", e.getCause());
                    }
                    break;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Stops the helper threads; a pass after this runs on one lane. */
    @Override
    public void close() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return count + (count == 1 ? " lane" : " lanes");
    }
}
