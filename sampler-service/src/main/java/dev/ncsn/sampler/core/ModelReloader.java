package dev.ncsn.sampler.core;

import dev.ncsn.sampler.metrics.SamplerMetrics;

import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps every {@link LiveModel} on the version the store's live pointer names.
 *
 * <p>The pointer ({@code models/NAME/live.json}, written last by the trainer) is the truth; a model-update event
 * only says "look now", and a periodic reconcile catches missed events. Loads run one at a time on this class's
 * own thread, never on a sampling thread: download, verification and warm-up happen while the old version keeps
 * serving, and the swap is a single reference update. A version that fails is reported (log, metric,
 * {@link #lastFailure()}) and remembered, so the periodic reconcile does not retry it every interval; a new
 * model-update event naming it tries it once more.
 *
 * <p>A store that cannot be reached is not the version's fault: a load (or a pointer read) that fails because the
 * store is unreachable or a connection dropped rejects nothing; the old version keeps serving and the same reconcile
 * is retried with back-off ({@value #FIRST_RETRY_MILLIS} ms, doubling up to {@value #MAX_RETRY_MILLIS} ms) until the
 * store answers, so a reload asked for during an outage happens right after it without waiting for another event.
 */
public final class ModelReloader implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ModelReloader.class);
    static final long FIRST_RETRY_MILLIS = 1_000;
    static final long MAX_RETRY_MILLIS = 30_000;

    /** What one reconcile did. */
    public enum Status { LOADED, UNCHANGED, NO_POINTER, SKIPPED_REJECTED, REJECTED, NOT_SERVED, STORE_UNREACHABLE }

    /** The result of a reconcile of one model. */
    public record Result(String model, String version, Status status, String detail) {
    }

    /** A version that was refused. */
    public record Failure(String model, String version, String reason, Instant at) {
    }

    private final ServedModels models;
    private final ModelStore store;
    private final ModelLoader loader;
    private final SamplerMetrics metrics;
    private final Duration interval;
    private final ScheduledExecutorService thread;
    private final Set<String> rejected = ConcurrentHashMap.newKeySet();
    /** Per model: failed attempts in a row because the store was unreachable (reloader thread only). */
    private final java.util.Map<String, Integer> unreachable = new java.util.HashMap<>();
    /** Models with a retry scheduled (reloader thread only). */
    private final Set<String> retrying = new java.util.HashSet<>();
    private volatile Failure lastFailure;

    public ModelReloader(ServedModels models, ModelStore store, ModelLoader loader, SamplerMetrics metrics,
                         Duration interval, String threadName) {
        this.models = models;
        this.store = store;
        this.loader = loader;
        this.metrics = metrics;
        this.interval = interval;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Loads every served model now (in the background) and then reconciles every interval. */
    public void start() {
        thread.scheduleWithFixedDelay(this::reconcileAllQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A model-update event: reconcile that model now. */
    public CompletableFuture<Result> onUpdate(ModelUpdate update) {
        return submit(() -> reconcile(update.model(), update.version(), true));
    }

    /** Reconciles one model now, as the periodic task does. */
    public CompletableFuture<Result> reconcileNow(String model) {
        return submit(() -> reconcile(model, null, false));
    }

    public Failure lastFailure() {
        return lastFailure;
    }

    private CompletableFuture<Result> submit(java.util.function.Supplier<Result> task) {
        CompletableFuture<Result> result = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    result.complete(task.get());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private void reconcileAllQuietly() {
        List<Result> results = new ArrayList<>();
        for (String model : models.names()) {
            try {
                results.add(reconcile(model, null, false));
            } catch (RuntimeException e) {
                LOG.errorf(e, "reconcile of %s failed", model);
            }
        }
        LOG.debugf("reconciled: %s", results);
    }

    /** Runs on the reloader thread only. */
    private Result reconcile(String model, String hintedVersion, boolean explicit) {
        LiveModel slot = models.slot(model).orElse(null);
        if (slot == null) {
            return new Result(model, hintedVersion, Status.NOT_SERVED, "this worker serves " + models.names());
        }
        String target;
        try {
            target = store.live(model).map(LivePointer::version).orElse(null);
            if (target != null && hintedVersion != null && !hintedVersion.equals(target)) {
                LOG.infof("model update for %s names version %s but the live pointer names %s: following the pointer",
                        model, hintedVersion, target);
            }
            if (target == null) {
                target = hintedVersion;
            }
        } catch (RuntimeException e) {
            if (hintedVersion == null) {
                long delay = retryLater(model, null, explicit);
                LOG.warnf("cannot read the live pointer of %s (%s); still serving %s, trying again in %d ms", model,
                        e.getMessage(), slot.version() == null ? "nothing" : slot.version(), delay);
                return new Result(model, null, Status.STORE_UNREACHABLE, e.getMessage());
            }
            LOG.warnf("cannot read the live pointer of %s (%s); trying the version the event names, %s", model,
                    e.getMessage(), hintedVersion);
            target = hintedVersion;
        }
        if (target == null) {
            return new Result(model, null, Status.NO_POINTER, "no live pointer at " + ModelStore.pointerKey(model));
        }
        if (target.equals(slot.version())) {
            unreachable.remove(model);
            return new Result(model, target, Status.UNCHANGED, null);
        }
        String key = model + "/" + target;
        if (!explicit && rejected.contains(key)) {
            return new Result(model, target, Status.SKIPPED_REJECTED, "rejected before");
        }
        long start = System.nanoTime();
        ServedModel next;
        try {
            next = loader.load(model, target);
        } catch (RuntimeException e) {
            String reason = e.getMessage() == null ? e.toString() : e.getMessage();
            if (StoreFailures.unreachable(e)) {
                long delay = retryLater(model, target, explicit);
                LOG.warnf("cannot load version %s of %s now, the store is unreachable (%s); still serving %s, "
                        + "trying again in %d ms", target, model, reason,
                        slot.version() == null ? "nothing" : slot.version(), delay);
                return new Result(model, target, Status.STORE_UNREACHABLE, reason);
            }
            unreachable.remove(model);
            rejected.add(key);
            lastFailure = new Failure(model, target, reason, Instant.now());
            metrics.reloadFailed(model);
            LOG.errorf("rejected version %s of %s, still serving %s: %s", target, model,
                    slot.version() == null ? "nothing" : slot.version(), reason);
            return new Result(model, target, Status.REJECTED, reason);
        }
        rejected.remove(key);
        unreachable.remove(model);
        ServedModel previous = slot.install(next);
        metrics.modelInstalled(next);
        LOG.infof("now serving %s/%s (%s, step %d) on %s, %d images per pass, loaded in %d ms%s", model, target,
                next.manifest().architecture(), next.manifest().trainingStep(), loader.device(), next.passBudget(),
                (System.nanoTime() - start) / 1_000_000,
                previous == null ? "" : "; " + previous.version() + " closes when its last job ends");
        return new Result(model, target, Status.LOADED, null);
    }

    /**
     * Schedules the same reconcile again after a back-off that doubles with each unreachable attempt in a row; at
     * most one retry per model is pending. Returns the delay. Reloader thread only.
     */
    private long retryLater(String model, String hintedVersion, boolean explicit) {
        int attempts = unreachable.merge(model, 1, Integer::sum);
        long delay = Math.min(MAX_RETRY_MILLIS, FIRST_RETRY_MILLIS << Math.min(attempts - 1, 16));
        if (retrying.add(model)) {
            try {
                thread.schedule(() -> {
                    retrying.remove(model);
                    try {
                        reconcile(model, hintedVersion, explicit);
                    } catch (RuntimeException e) {
                        LOG.errorf(e, "retried reconcile of %s failed", model);
                    }
                }, delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                retrying.remove(model); // closing
            }
        }
        return delay;
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
