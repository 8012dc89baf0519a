package dev.ncsn.gateway.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The gateway's Prometheus metrics (names as exported at {@code /q/metrics}):
 * <ul>
 *   <li>{@code ncsn_gateway_jobs_submitted_total{kind}}: jobs this replica accepted (202);</li>
 *   <li>{@code ncsn_gateway_jobs_refused_total{reason}}: submissions refused with 429, by problem type
 *       ({@code backlog}, {@code rate-limit}, {@code concurrent-jobs});</li>
 *   <li>{@code ncsn_gateway_key_refusals_total{key,reason}}: the per-key 429s, by the key's name (never the key);</li>
 *   <li>{@code ncsn_gateway_jobs_finished_total{outcome}}: jobs seen to end ({@code done}, {@code failed},
 *       {@code cancelled}); every replica sees every job, so sum over one replica, not over all;</li>
 *   <li>{@code ncsn_gateway_first_frame_seconds}: from submission to the job's first frame at this replica;</li>
 *   <li>{@code ncsn_gateway_job_latency_seconds{outcome}}: from submission to the terminal event;</li>
 *   <li>{@code ncsn_gateway_open_streams}, {@code ncsn_gateway_jobs_known}, {@code ncsn_gateway_buffered_bytes}.</li>
 * </ul>
 */
public final class GatewayMetrics implements JobRegistry.Observer {

    private final MeterRegistry registry;
    private final Timer firstFrame;

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.firstFrame = Timer.builder("ncsn.gateway.first.frame").description("submission to first frame")
                .publishPercentileHistogram().register(registry);
    }

    /** Gauges read from the node's parts when scraped. */
    public void gauges(Supplier<Number> openStreams, Supplier<Number> jobs, Supplier<Number> bytes) {
        Gauge.builder("ncsn.gateway.open.streams", openStreams).description("open SSE streams").register(registry);
        Gauge.builder("ncsn.gateway.jobs.known", jobs).description("jobs this replica remembers").register(registry);
        Gauge.builder("ncsn.gateway.buffered.bytes", bytes).description("buffered event bytes").register(registry);
    }

    public void submitted(String kind) {
        Counter.builder("ncsn.gateway.jobs.submitted").tag("kind", kind).register(registry).increment();
    }

    public void refused(String reason) {
        Counter.builder("ncsn.gateway.jobs.refused").tag("reason", reason).register(registry).increment();
    }

    public void keyRefused(String key, String reason) {
        Counter.builder("ncsn.gateway.key.refusals").tag("key", key).tag("reason", reason).register(registry)
                .increment();
    }

    @Override
    public void firstFrame(Job.Snapshot job, Instant at) {
        if (job.submittedAt() != null && !at.isBefore(job.submittedAt())) {
            firstFrame.record(Duration.between(job.submittedAt(), at));
        }
    }

    @Override
    public void ended(Job.Snapshot job, Instant at) {
        String outcome = job.status().json();
        Counter.builder("ncsn.gateway.jobs.finished").tag("outcome", outcome).register(registry).increment();
        if (job.submittedAt() != null && !at.isBefore(job.submittedAt())) {
            Timer.builder("ncsn.gateway.job.latency").tag("outcome", outcome).register(registry)
                    .record(Duration.between(job.submittedAt(), at));
        }
    }
}
