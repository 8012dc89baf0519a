package dev.ncsn.gateway.core;

import dev.ncsn.common.api.Problem;
import dev.ncsn.gateway.config.GatewaySettings;
import dev.ncsn.gateway.kafka.Backlog;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Whether a new job may be submitted now (the backlog comes as a supplier of measurements, so tests can state one), answered with 429 and {@code Retry-After} otherwise:
 * <ul>
 *   <li>per key (when keys are configured): at most {@code concurrentJobs} of its jobs queued or running, and at
 *       most {@code jobsPerMinute} new jobs a minute after a burst of {@code burst} (a token bucket, Bucket4j);</li>
 *   <li>for everyone: not while the sampler pool's backlog is at its limit.</li>
 * </ul>
 * Per-key counts are this replica's own: with N replicas behind a load balancer a key gets up to N times the rate.
 */
public final class Admission {

    private final Supplier<Backlog.Snapshot> backlog;
    private final GatewaySettings.Backlog limits;
    private final GatewaySettings.KeyLimits keyLimits;
    private final JobRegistry registry;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile BiConsumer<String, String> onRefused = (key, reason) -> { };

    public Admission(Supplier<Backlog.Snapshot> backlog, GatewaySettings.Backlog limits, GatewaySettings.KeyLimits keyLimits, JobRegistry registry) {
        this.backlog = backlog;
        this.limits = limits;
        this.keyLimits = keyLimits;
        this.registry = registry;
    }

    /**
     * Called with the key's name (null without one) and the reason ({@code backlog}, {@code rate-limit},
     * {@code concurrent-jobs}) whenever a job is refused (for metrics).
     */
    public void onRefused(BiConsumer<String, String> listener) {
        this.onRefused = listener;
    }

    /**
     * Returns when the job may go ahead; throws a 429 problem with {@code Retry-After} otherwise.
     *
     * @param owner the name of the key submitting, or null on an open API
     */
    public void admit(String owner) {
        if (owner != null && keyLimits != null) {
            int active = registry.activeOwnedBy(owner);
            if (active >= keyLimits.concurrentJobs()) {
                onRefused.accept(owner, "concurrent-jobs");
                long retry = Math.max(1, limits.retryAfter().toSeconds());
                throw tooMany("concurrent-jobs", "Too many jobs for this key", "the key " + owner + " has " + active
                        + " jobs queued or running (the limit is " + keyLimits.concurrentJobs() + "); retry in "
                        + retry + " s", retry);
            }
        }
        Backlog.Snapshot b = backlog.get();
        long max = limits.maxDepth();
        if (b.known() && b.depth() >= max) {
            onRefused.accept(owner, "backlog");
            long retry = Math.max(1, limits.retryAfter().toSeconds());
            throw tooMany("backlog", "Too many queued jobs", b.depth() + " requests are waiting for the samplers (the "
                    + "limit is " + max + "); retry in " + retry + " s", retry);
        }
        if (owner != null && keyLimits != null) {
            Bucket bucket = buckets.computeIfAbsent(owner, k -> Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(keyLimits.burst())
                            .refillGreedy(keyLimits.jobsPerMinute(), Duration.ofMinutes(1)).build())
                    .build());
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                onRefused.accept(owner, "rate-limit");
                long retry = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
                throw tooMany("rate-limit", "Too many jobs per minute for this key", "the key " + owner
                        + " may submit " + keyLimits.jobsPerMinute() + " jobs a minute after a burst of "
                        + keyLimits.burst() + "; retry in " + retry + " s", retry);
            }
        }
    }

    private static ProblemException tooMany(String slug, String title, String detail, long retryAfter) {
        return new ProblemException(Problem.of(429, slug, title, detail), Map.of("Retry-After", Long.toString(retryAfter)));
    }
}
