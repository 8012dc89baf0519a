package dev.ncsn.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * Supervises the processes `ncsn up` starts, knowing nothing of what they are: starts each as a {@link ChildProcess}
 * in a layer, waits until one is ready while watching that it stays alive, watches them all until a shutdown
 * signal, reports a child that ends by itself (its exit status and the tail of its log), and stops them in order:
 * the highest layer first, every child of a layer signalled together and then given its grace, so the services
 * (a higher layer) stop while Kafka and S3 (the lowest) still answer.
 */
final class Supervisor {

    /** A started child and how it stops. */
    private record Child(ChildProcess process, int layer, Duration grace) {
    }

    private final String name;
    private final List<Child> children = new ArrayList<>();
    private volatile boolean stopping;

    /** @param name how messages name the supervisor, e.g. "ncsn up" */
    Supervisor(String name) {
        this.name = name;
    }

    /**
     * Stops everything on SIGINT (Ctrl-C), SIGTERM and SIGHUP: the JVM runs shutdown hooks for those, and the
     * children ignore SIGINT (see {@link ChildProcess#start}) so that they are stopped in order here.
     */
    void stopOnShutdown() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping = true;
            System.err.println("\n" + name + ": stopping…");
            stopAll();
            System.err.println(name + ": stopped");
        }, "ncsn-up-stop"));
    }

    /** Whether a shutdown signal has arrived. */
    boolean stopping() {
        return stopping;
    }

    /**
     * Starts a child in a layer (higher layers stop first) with the time it is given to stop after SIGTERM before
     * it is killed. A child started while stopping is stopped at once.
     */
    ChildProcess start(String childName, List<String> command, Map<String, String> env, Path workDir, Path log,
                       int layer, Duration grace) {
        ChildProcess child = ChildProcess.start(childName, command, env, workDir, log);
        synchronized (this) {
            if (!stopping) {
                children.add(new Child(child, layer, grace));
                return child;
            }
        }
        child.stop(grace);
        throw new IllegalStateException("stopping");
    }

    /**
     * Polls {@code ready} until it answers true, failing when the child ends first (with its exit status and the tail
     * of its log) or after the timeout.
     *
     * @param what how to name the child in messages, e.g. "Kafka/S3" or "trainer-service"
     */
    void awaitReady(ChildProcess child, String what, Callable<Boolean> ready, Duration poll, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!child.alive()) {
                throw new IllegalStateException(what + " stopped while starting (" + child.exitDescription()
                        + "); last lines of " + child.log + ":\n" + child.tail(20));
            }
            if (ready.call()) {
                return;
            }
            Thread.sleep(poll.toMillis());
        }
        throw new IllegalStateException(what + " not ready after " + timeout.toSeconds() + " s; see " + child.log);
    }

    /**
     * Blocks until a shutdown signal (then the hook stops everything and the JVM exits). A child that ends by itself
     * ends the watch with an exception naming it, its exit status and the last lines of its log.
     */
    void watch() throws InterruptedException {
        while (true) {
            Thread.sleep(1000);
            if (stopping) {
                Thread.currentThread().join(); // the shutdown hook stops everything and the JVM exits
            }
            for (Child c : snapshot()) {
                ChildProcess child = c.process();
                if (!child.alive() && !stopping) {
                    throw new IllegalStateException(child.name + " (pid " + child.pid() + ") stopped unexpectedly ("
                            + child.exitDescription() + "); stopping everything. Last lines of " + child.log + ":\n"
                            + child.tail(20));
                }
            }
        }
    }

    /** After a failure while starting: waits for the hook if a signal caused it, else stops everything. */
    void abandon() throws InterruptedException {
        if (stopping) {
            Thread.currentThread().join(); // Ctrl-C while starting: the shutdown hook stops what runs
        }
        stopAll();
    }

    private synchronized List<Child> snapshot() {
        return List.copyOf(children);
    }

    /** Every layer, highest first: all its children get SIGTERM together, then each its grace before SIGKILL. */
    synchronized void stopAll() {
        Map<Integer, List<Child>> layers = new TreeMap<>(Comparator.reverseOrder());
        for (Child c : children) {
            layers.computeIfAbsent(c.layer(), k -> new ArrayList<>()).add(c);
        }
        for (List<Child> layer : layers.values()) {
            layer.forEach(c -> c.process().terminate());
            for (Child c : layer) {
                c.process().stop(c.grace());
            }
        }
        children.clear();
    }
}
