package dev.ncsn.sampler.kafka;

import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.core.JobEventSink;
import dev.ncsn.sampler.core.JobRequest;
import dev.ncsn.sampler.core.JobTraces;
import dev.ncsn.sampler.core.JobSnapshot;
import dev.ncsn.sampler.core.LiveModel;
import dev.ncsn.sampler.core.ModelLoader;
import dev.ncsn.sampler.core.SnapshotWriter;
import dev.ncsn.sampler.core.RecentCancels;
import dev.ncsn.sampler.core.SamplingWorker;
import dev.ncsn.sampler.core.ServedModel;
import dev.ncsn.sampler.core.ServedModels;
import dev.ncsn.sampler.metrics.SamplerMetrics;

import dev.ncsn.common.trace.KafkaTraceContext;
import dev.ncsn.model.contract.DeadLetter;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.JobEvent;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Reads the generation and inpainting request topics for the sampler pool's consumer group, on its own thread,
 * with a plain {@link KafkaConsumer}.
 *
 * <p>Why not a SmallRye channel: a job runs for minutes, and SmallRye's default {@code throttled} commit strategy
 * reports the channel unhealthy when a record stays unacknowledged longer than
 * {@code throttled.unprocessed-record-max-age.ms} (60 s). Raising that limit hides real stalls, and acknowledging
 * early (on admission) would commit jobs that a crash then loses. Here instead:
 * <ul>
 *   <li>auto-commit is off; an offset is committed only when every record before it on that partition has a
 *       stored terminal event ({@link PartitionProgress}), so a worker that dies mid-job leaves the job
 *       uncommitted and the partition's next owner runs it again (at-least-once);</li>
 *   <li>when the worker is full, every assigned partition is paused and the thread keeps calling {@code poll},
 *       which returns nothing but keeps the consumer in the group (max.poll.interval.ms never expires however
 *       long the jobs take);</li>
 *   <li>on a rebalance, jobs of revoked partitions are left (no events, not committed) to the new owner, which
 *       re-runs them from the committed offset; the cooperative-sticky assignor moves only the partitions it
 *       must, so adding a worker does not disturb the others' jobs;</li>
 *   <li>a request that cannot be served gets a {@code failed} event and a dead letter, and is committed once
 *       both are stored: it never stops the consumer;</li>
 *   <li>before a job starts, its snapshot is looked up: a job that another worker left (it died, stopped, or lost
 *       the partition) continues from its latest snapshot, on the snapshot's model version, with the sequence
 *       numbers following the earlier owner's; when that version is gone from the store it starts again on the
 *       live version, its events still numbered after the earlier ones;</li>
 *   <li>on revocation the running jobs of the revoked partitions are snapshotted and the snapshots stored before
 *       the partitions are given up, so the new owner continues at the same step.</li>
 * </ul>
 * Partitions bound the pool: each partition has one owner, so a pool larger than the request topics' partition
 * count has idle workers.
 */
public final class RequestConsumer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);
    /** Session timeout of the sampler group: how long a dead worker holds its partitions. */
    public static final int DEFAULT_SESSION_TIMEOUT_MS = 10_000;
    public static final int DEFAULT_HEARTBEAT_INTERVAL_MS = 2_000;
    /** How long a revocation waits for the revoked jobs' snapshots to be stored. */
    private static final Duration REVOKE_SNAPSHOT_TIMEOUT = Duration.ofSeconds(20);

    private final SamplerSettings settings;
    private final ServedModels models;
    private final RequestDecoder decoder;
    private final SamplingWorker worker;
    private final JobEventSink events;
    private final DeadLetterSink deadLetters;
    private final RecentCancels cancels;
    private final SamplerMetrics metrics;
    private final BooleanSupplier ready;
    private final JobTraces traces;
    private final SnapshotWriter snapshots;
    private final ModelLoader loader;
    private final Thread thread;
    private final ConcurrentLinkedQueue<JobRequest.RecordPosition> finished = new ConcurrentLinkedQueue<>();

    // consumer thread only
    private KafkaConsumer<String, String> consumer;
    private final Map<TopicPartition, PartitionProgress> progress = new HashMap<>();
    private final ArrayDeque<JobRequest> backlog = new ArrayDeque<>();
    private boolean paused;

    private volatile boolean draining;
    private volatile boolean stopping;
    private volatile boolean crashing;
    private volatile boolean subscribed;
    private volatile Set<TopicPartition> assigned = Set.of();
    private volatile String broken;

    /**
     * @param ready the consumer joins the group only once this holds (every served model loaded), so that no
     *              partition is held by a worker that cannot run its jobs
     */
    public RequestConsumer(SamplerSettings settings, ServedModels models, SamplingWorker worker, JobEventSink events,
                           DeadLetterSink deadLetters, RecentCancels cancels, SamplerMetrics metrics,
                           BooleanSupplier ready) {
        this(settings, models, worker, events, deadLetters, cancels, metrics, ready, null, null);
    }

    /**
     * @param snapshots where jobs' snapshots are (null: none, every job starts at step 0)
     * @param loader    loads a snapshot's version when it is not the live one
     */
    public RequestConsumer(SamplerSettings settings, ServedModels models, SamplingWorker worker, JobEventSink events,
                           DeadLetterSink deadLetters, RecentCancels cancels, SamplerMetrics metrics,
                           BooleanSupplier ready, SnapshotWriter snapshots, ModelLoader loader) {
        this(settings, models, worker, events, deadLetters, cancels, metrics, ready, snapshots, loader,
                new JobTraces(io.opentelemetry.api.OpenTelemetry.noop()));
    }

    /** @param traces the jobs' spans, started here from the trace context in each request's headers */
    public RequestConsumer(SamplerSettings settings, ServedModels models, SamplingWorker worker, JobEventSink events,
                           DeadLetterSink deadLetters, RecentCancels cancels, SamplerMetrics metrics,
                           BooleanSupplier ready, SnapshotWriter snapshots, ModelLoader loader, JobTraces traces) {
        this.traces = traces;
        this.snapshots = snapshots;
        this.loader = loader;
        this.settings = settings;
        this.models = models;
        this.decoder = new RequestDecoder(settings.topics(), models);
        this.worker = worker;
        this.events = events;
        this.deadLetters = deadLetters;
        this.cancels = cancels;
        this.metrics = metrics;
        this.ready = ready;
        this.thread = new Thread(this::run, "ncsn-requests-" + settings.instanceId());
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Whether the consumer has joined the group (it waits for the models first). */
    public boolean subscribed() {
        return subscribed;
    }

    /** The request partitions this worker owns now. */
    public Set<TopicPartition> assignment() {
        return assigned;
    }

    /** Why the consumer cannot go on, or null. */
    public String broken() {
        if (broken == null && !stopping && thread.getState() == Thread.State.TERMINATED) {
            return "the request consumer thread ended";
        }
        return broken;
    }

    /** Takes no new jobs (keeps polling and committing) while the worker finishes its own. */
    public void drain() {
        draining = true;
    }

    /** Commits what is finished, leaves the group and ends the thread. */
    @Override
    public void close() {
        stopping = true;
        wakeUp();
        join();
    }

    /** Simulates a crash: ends the thread and closes the consumer without committing anything more. */
    public void crash() {
        crashing = true;
        stopping = true;
        wakeUp();
        join();
    }

    private void wakeUp() {
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void join() {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(60));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Properties consumerProperties() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, settings.instanceId() + "-requests");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(Math.max(1, settings.maxInFlightJobs())));
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // A dead worker's partitions move after the session timeout: 10 s instead of Kafka's 45 s, heartbeats
        // every 2 s (a third of it, as Kafka advises, with room for one lost heartbeat). Heartbeats come from the
        // client's own thread, so long jobs do not delay them. Overridable through ncsn.sampler.consumer.*.
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, Integer.toString(DEFAULT_SESSION_TIMEOUT_MS));
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Integer.toString(DEFAULT_HEARTBEAT_INTERVAL_MS));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.putAll(settings.consumerProperties());
        return p;
    }

    // ------------------------------------------------------------------------------------------ consumer thread

    private void run() {
        try {
            while (!stopping && !ready.getAsBoolean()) {
                Thread.sleep(50);
            }
            if (stopping) {
                return;
            }
            consumer = new KafkaConsumer<>(consumerProperties());
            consumer.subscribe(settings.topics().requestTopics(), new Rebalance());
            subscribed = true;
            LOG.infof("%s reads %s as group %s", settings.instanceId(), settings.topics().requestTopics(),
                    settings.groupId());
            while (!stopping) {
                applyFinished();
                admitBacklog();
                pauseOrResume();
                ConsumerRecords<String, String> records;
                try {
                    records = consumer.poll(settings.pollTimeout());
                } catch (WakeupException e) {
                    continue; // stopping is set
                }
                for (ConsumerRecord<String, String> record : records) {
                    read(record);
                }
                admitBacklog();
                commit(false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (WakeupException e) {
            // stopping
        } catch (RuntimeException | Error e) {
            broken = "the request consumer failed: " + e;
            LOG.error("the request consumer failed", e);
        } finally {
            closeConsumer();
        }
    }

    private void closeConsumer() {
        if (consumer == null) {
            return;
        }
        try {
            if (!crashing) {
                applyFinished();
                commit(true);
            }
        } catch (RuntimeException e) {
            LOG.warnf("final commit failed: %s", e.toString());
        }
        try {
            consumer.close();
        } catch (RuntimeException e) {
            LOG.warnf("closing the request consumer: %s", e.toString());
        }
        subscribed = false;
        assigned = Set.of();
    }

    private void read(ConsumerRecord<String, String> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        progress.computeIfAbsent(tp, p -> new PartitionProgress()).started(record.offset());
        RequestDecoder.Decoded decoded;
        try {
            decoded = decoder.decode(record.topic(), record.partition(), record.offset(), record.key(),
                    record.value());
        } catch (RuntimeException e) {
            // A record the decoder did not foresee is refused like any other bad record: it must not end the
            // consumer thread (which would stop this worker's partitions until a restart reads it again).
            LOG.errorf(e, "unexpected error decoding %s-%d@%d", record.topic(), record.partition(), record.offset());
            decoded = new RequestDecoder.Invalid(GenerationRequest.isJobId(record.key()) ? record.key() : null,
                    "the request could not be read: " + e);
        }
        JobRequest.RecordPosition position = new JobRequest.RecordPosition(record.topic(), record.partition(),
                record.offset());
        traces.read(decoded instanceof RequestDecoder.Invalid bad ? bad.jobId()
                        : ((RequestDecoder.Valid) decoded).request().jobId(), position,
                KafkaTraceContext.extract(traces.openTelemetry(), record.headers()), settings.instanceId());
        if (decoded instanceof RequestDecoder.Invalid invalid) {
            refuse(position, record.key(), record.value(), invalid.jobId(), invalid.reason());
        } else {
            JobRequest request = ((RequestDecoder.Valid) decoded).request();
            if (cancels.contains(request.jobId())) {
                LOG.infof("job %s was cancelled before it started", request.jobId());
                metrics.jobFinished("cancelled");
                whenStored(events.publish(new JobEvent.Cancelled(request.jobId(), 0, Instant.now())), position,
                        request.jobId(), "cancelled");
            } else {
                backlog.addLast(request);
            }
        }
    }

    /** Admits waiting requests while the worker has room. */
    private void admitBacklog() {
        while (!backlog.isEmpty() && !draining && worker.hasRoomFor(backlog.peekFirst().count())) {
            JobRequest request = backlog.pollFirst();
            if (cancels.contains(request.jobId())) {
                metrics.jobFinished("cancelled");
                whenStored(events.publish(new JobEvent.Cancelled(request.jobId(), 0, Instant.now())),
                        request.position(), request.jobId(), "cancelled");
                continue;
            }
            LiveModel slot = models.slot(request.model()).orElseThrow();
            JobSnapshot snapshot = snapshotOf(request);
            ServedModel.Lease lease = null;
            boolean restart = false;
            String versionFailure = null;
            if (snapshot != null && !snapshot.modelVersion().equals(slot.version())) {
                try {
                    lease = versionOf(snapshot);
                } catch (RuntimeException e) {
                    versionFailure = e.getMessage() == null ? e.toString() : e.getMessage();
                    LOG.warnf("cannot load version %s of %s for job %s: %s", snapshot.modelVersion(), snapshot.model(),
                            snapshot.jobId(), versionFailure);
                }
                restart = lease == null;
            }
            if (lease == null) {
                lease = slot.lease().orElse(null);
            }
            if (lease == null) {
                // Not reachable while the consumer only joins once every model is loaded; kept as a clear failure.
                metrics.jobFinished("failed");
                whenStored(events.publish(new JobEvent.Failed(request.jobId(), snapshot == null ? 0
                        : snapshot.nextSequence(), "model " + request.model() + " has no live version",
                        Instant.now())), request.position(), request.jobId(), "failed");
                continue;
            }
            JobRequest.Prepared prepared;
            try {
                prepared = request.prepare(lease.model());
            } catch (IllegalArgumentException e) {
                lease.close();
                refuse(request.position(), request.key(), request.rawValue(), request.jobId(), e.getMessage());
                continue;
            }
            if (snapshot != null) {
                if (restart) {
                    LOG.warnf("job %s: version %s of its snapshot (step %d) cannot be loaded; it starts again "
                                    + "on the live version %s, its events numbered on from %d", request.jobId(),
                            snapshot.modelVersion(), snapshot.chain().completedEvaluations(), lease.model().version(),
                            snapshot.firstSequenceOfARestart());
                    metrics.jobResumed("restart", snapshot.chain().completedEvaluations());
                } else {
                    LOG.infof("job %s resumes at step %d on %s from the snapshot %s wrote at %s%s", request.jobId(),
                            snapshot.chain().completedEvaluations(), lease.model(), snapshot.worker(), snapshot.takenAt(),
                            snapshot.handOver() ? " when it stopped" : "");
                    metrics.jobResumed("snapshot", 0);
                }
                SamplingWorker.Restart notice = !restart ? null : new SamplingWorker.Restart(snapshot.modelVersion(),
                        snapshot.chain().completedEvaluations(), "the job had reached step "
                        + snapshot.chain().completedEvaluations() + " on version " + snapshot.modelVersion() + " of "
                        + request.model() + ", which cannot be loaded any more (" + versionFailure
                        + "); it starts again from step 0 on the live version " + lease.model().version());
                worker.submit(request, lease, prepared, this::jobFinished, restart ? null : snapshot.chain(),
                        restart ? snapshot.firstSequenceOfARestart() : snapshot.nextSequence(), notice);
                continue;
            }
            worker.submit(request, lease, prepared, this::jobFinished);
        }
    }

    /** The job's snapshot when it is one of this very request; null when there is none or it cannot be read. */
    private JobSnapshot snapshotOf(JobRequest request) {
        if (snapshots == null) {
            return null;
        }
        try {
            JobSnapshot s = snapshots.store().read(request.jobId()).orElse(null);
            if (s != null && !s.isOf(request)) {
                LOG.warnf("the snapshot of job %s is of another request; starting the job afresh", request.jobId());
                return null;
            }
            return s;
        } catch (RuntimeException e) {
            LOG.warnf("cannot read the snapshot of job %s (%s); starting it from step 0", request.jobId(),
                    e.getMessage());
            return null;
        }
    }

    /**
     * A lease on the snapshot's version when it is not live here, loaded for that job; throws when it cannot be loaded
     * (gone from the store, or the store unreachable).
     */
    private ServedModel.Lease versionOf(JobSnapshot snapshot) {
        if (loader == null) {
            throw new IllegalStateException("this worker loads no other versions");
        }
        return loader.loadForOneJob(snapshot.model(), snapshot.modelVersion());
    }

    /** A request that cannot be served: failed event (when there is a job id) and dead letter, then committed. */
    private void refuse(JobRequest.RecordPosition position, String key, String value, String jobId, String reason) {
        DeadLetter dead = DeadLetter.of(position.topic(), position.partition(), position.offset(), key, value, reason,
                SamplerSettings.SERVICE, Instant.now());
        LOG.warnf("refused %s (job %s): %s", position, jobId, dead.reason());
        metrics.jobFinished("invalid");
        CompletableFuture<Void> letter = deadLetters.publish(dead).toCompletableFuture();
        CompletableFuture<Void> failed = jobId == null ? CompletableFuture.completedFuture(null)
                : events.publish(new JobEvent.Failed(jobId, 0, dead.reason(), Instant.now())).toCompletableFuture();
        whenStored(CompletableFuture.allOf(letter, failed), position, jobId, "invalid");
    }

    /** The worker stored the job's terminal event: its offset may be committed, its span ends. */
    private void jobFinished(JobRequest request, SamplingWorker.Outcome outcome) {
        finished.add(request.position());
        traces.ended(request.jobId(), outcome.name().toLowerCase(Locale.ROOT));
    }

    private void whenStored(java.util.concurrent.CompletionStage<Void> stored, JobRequest.RecordPosition position,
                            String jobId, String outcome) {
        stored.whenComplete((ok, error) -> {
            traces.ended(jobId, outcome);
            if (error == null) {
                finished.add(position);
            } else {
                // Left uncommitted: the record is read again after a restart or rebalance.
                LOG.errorf("could not store the outcome of %s: %s", position, error);
            }
        });
    }

    private void applyFinished() {
        JobRequest.RecordPosition p;
        while ((p = finished.poll()) != null) {
            PartitionProgress pp = progress.get(new TopicPartition(p.topic(), p.partition()));
            if (pp != null) {
                pp.finished(p.offset());
            }
        }
    }

    private void pauseOrResume() {
        boolean full = draining || !backlog.isEmpty();
        Set<TopicPartition> assignment = consumer.assignment();
        if (full) {
            // Also pauses partitions assigned since the last pause; poll() keeps the membership alive.
            consumer.pause(assignment);
            paused = true;
        } else if (paused) {
            consumer.resume(consumer.paused());
            paused = false;
        }
    }

    private void commit(boolean sync) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, PartitionProgress> e : progress.entrySet()) {
            long offset = e.getValue().committable();
            if (offset >= 0) {
                offsets.put(e.getKey(), new OffsetAndMetadata(offset));
            }
        }
        commit(offsets, sync);
    }

    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets, boolean sync) {
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(offsets, Duration.ofSeconds(10));
            markCommitted(offsets);
        } else {
            consumer.commitAsync(offsets, (done, error) -> {
                if (error == null) {
                    markCommitted(done);
                } else {
                    LOG.warnf("commit of %s failed (will be retried): %s", done, error.toString());
                }
            });
        }
    }

    private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, om) -> {
            PartitionProgress pp = progress.get(tp);
            if (pp != null) {
                pp.committed(om.offset());
            }
        });
    }

    /** Runs inside poll(), on the consumer thread. */
    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            applyFinished();
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            for (TopicPartition tp : partitions) {
                PartitionProgress pp = progress.get(tp);
                if (pp != null && pp.committable() >= 0) {
                    offsets.put(tp, new OffsetAndMetadata(pp.committable()));
                }
            }
            if (!crashing) {
                try {
                    commit(offsets, true);
                } catch (RuntimeException e) {
                    LOG.warnf("commit on revocation failed: %s", e.toString());
                }
            }
            leave(partitions, "revoked", !crashing);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                leave(partitions, "lost", false);
            }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            assigned = Set.copyOf(consumer.assignment());
            if (!partitions.isEmpty()) {
                LOG.infof("%s assigned %s", settings.instanceId(), partitions);
            }
        }

        private void leave(Collection<TopicPartition> partitions, String how, boolean snapshot) {
            Set<TopicPartition> gone = new HashSet<>(partitions);
            LOG.infof("%s %s %s; their unfinished jobs go to the new owner", settings.instanceId(), how, gone);
            for (TopicPartition tp : gone) {
                progress.remove(tp);
            }
            Set<TopicPartition> still = new HashSet<>(assigned);
            still.removeAll(gone);
            assigned = Set.copyOf(still);
            for (Iterator<JobRequest> it = backlog.iterator(); it.hasNext(); ) {
                JobRequest.RecordPosition p = it.next().position();
                if (gone.contains(new TopicPartition(p.topic(), p.partition()))) {
                    it.remove();
                }
            }
            var left = worker.abandon(r -> gone.contains(new TopicPartition(r.position().topic(),
                    r.position().partition())), snapshot && snapshots != null);
            if (snapshot && snapshots != null) {
                // The new owner gets the partitions only when this returns: wait until the jobs stopped here and
                // their snapshots are stored, so no job runs on two workers and none repeats a step.
                try {
                    int n = left.get(REVOKE_SNAPSHOT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    if (n > 0 && !snapshots.flush(REVOKE_SNAPSHOT_TIMEOUT)) {
                        LOG.warnf("the snapshots of %d revoked jobs were not all stored in time", n);
                    }
                    if (n > 0 && !worker.awaitSent(Duration.ofSeconds(5))) {
                        LOG.warnf("events of the %d revoked jobs are still unacknowledged", n);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (Exception e) {
                    LOG.warnf("handing over the revoked jobs: %s", e.toString());
                }
            }
            traces.left(p -> gone.contains(new TopicPartition(p.topic(), p.partition())));
        }
    }
}
