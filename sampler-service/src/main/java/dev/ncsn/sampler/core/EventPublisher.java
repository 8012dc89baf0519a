package dev.ncsn.sampler.core;

import org.jboss.logging.Logger;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * Makes and sends job events on a thread of its own, in the order the sampling thread hands them over, so that PNG
 * encoding, JSON and the producer's send overlap the next forward pass instead of following it.
 *
 * <p>The sampling thread hands over a task that holds copies of everything the event needs (the samples, the
 * sequence number it gave the event), so nothing it does later changes an event. After each of its steps it calls
 * {@link #awaitThrough} with the {@link #mark()} of the step before: a pipeline one step deep. So the events of a
 * step are sent while the next step's pass runs, a job's events stay in order, and a sink slower than the network
 * slows sampling down rather than letting events pile up.
 */
final class EventPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventPublisher.class);
    private static final Runnable STOP = () -> { };

    private final LinkedBlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Object lock = new Object();
    /** Tasks handed over; the handing thread's only. */
    private long submitted;
    /** Tasks finished (run or dropped); guarded by lock. */
    private long finished;
    private volatile boolean dropping;

    EventPublisher(String threadName) {
        this.thread = new Thread(this::run, threadName);
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Hands a task over; returns its mark (the tasks handed over so far, this one included). */
    long submit(Runnable task) {
        submitted++;
        queue.add(task);
        return submitted;
    }

    /** The mark of the last task handed over. */
    long mark() {
        return submitted;
    }

    /** Waits until every task up to {@code mark} has run. */
    void awaitThrough(long mark) throws InterruptedException {
        synchronized (lock) {
            while (finished < mark) {
                lock.wait();
            }
        }
    }

    /** Waits until everything handed over has run. */
    void awaitAll() throws InterruptedException {
        awaitThrough(submitted);
    }

    /** A crash: what has not run yet is dropped (as a process that dies loses it), and the thread ends. */
    void crash() {
        dropping = true;
        queue.add(STOP);
        join();
    }

    /** Runs what was handed over, then ends the thread. */
    @Override
    public void close() {
        queue.add(STOP);
        join();
    }

    private void join() {
        if (!thread.isAlive()) {
            return;
        }
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (true) {
                Runnable task = queue.take();
                if (task == STOP) {
                    return;
                }
                try {
                    if (!dropping) {
                        task.run();
                    }
                } catch (RuntimeException | Error e) {
                    // The task's own error handling failed (it reports send failures itself): log, keep the order.
                    LOG.error("making or sending a job event failed", e);
                } finally {
                    synchronized (lock) {
                        finished++;
                        lock.notifyAll();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            // Nothing more will run: release whoever waits.
            synchronized (lock) {
                finished = Long.MAX_VALUE;
                lock.notifyAll();
            }
        }
    }
}
