package dev.ncsn.gateway.kafka;

import dev.ncsn.gateway.config.GatewaySettings;
import dev.ncsn.gateway.core.JobRegistry;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.InpaintingRequest;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.common.trace.KafkaTraceContext;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * This replica's view of every job: one plain {@link KafkaConsumer}, on a thread of its own, assigned every
 * partition of the frames topic and of both request topics, without a consumer group. Each replica therefore sees
 * every job's events (and every queued request) and can stream any job to its clients, whichever replica
 * submitted it and whichever worker runs it; nothing is committed, and replicas never rebalance.
 *
 * <p>At start-up each partition is positioned at the first record of the last {@code replay} (by timestamp), so a
 * restarted replica knows the recent jobs again; partitions that appear later are read from their beginning.
 * The partition lists are re-read every {@value #REFRESH_MILLIS} ms.
 *
 * <p>Traces: each job event gets a span ({@code ncsn.gateway.job-event}) whose parent is the context in the
 * record's headers, the sampler's job span, so the frames stay in the trace of the HTTP request that submitted
 * the job. A no-op with tracing off.
 */
public final class EventFeed implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EventFeed.class);
    static final long REFRESH_MILLIS = 30_000;

    private final Map<String, Object> properties;
    private final GatewaySettings.TopicNames topics;
    private final JobRegistry registry;
    private final Duration replay;
    private final Clock clock;
    private final Thread thread;
    private final OpenTelemetry otel;
    private final Tracer tracer;
    private final Set<TopicPartition> assigned = new HashSet<>();
    private final Set<String> reportedMissing = new HashSet<>();
    private volatile KafkaConsumer<String, String> consumer;
    private volatile boolean ready;
    private volatile boolean stop;
    private volatile String broken;
    private volatile long recordsRead;

    public EventFeed(String bootstrapServers, String clientId, Map<String, String> extra, GatewaySettings.TopicNames topics,
              JobRegistry registry, Duration replay, Clock clock) {
        this(bootstrapServers, clientId, extra, topics, registry, replay, clock, OpenTelemetry.noop());
    }

    public EventFeed(String bootstrapServers, String clientId, Map<String, String> extra, GatewaySettings.TopicNames topics,
              JobRegistry registry, Duration replay, Clock clock, OpenTelemetry otel) {
        this.otel = otel;
        this.tracer = otel.getTracer("dev.ncsn.gateway");
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        // Frames carry PNG grids: let a fetch hold a few of the largest.
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(8 * 1024 * 1024));
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.putAll(extra);
        this.properties = p;
        this.topics = topics;
        this.registry = registry;
        this.replay = replay;
        this.clock = clock;
        this.thread = new Thread(this::run, "ncsn-gateway-feed");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Every topic's partitions are assigned and positioned: new events reach the registry. */
    public boolean ready() {
        return ready && thread.isAlive();
    }

    /** Why the feed stopped for good, or null. */
    public String broken() {
        return broken != null ? broken : (thread.isAlive() || stop ? null : "the event feed thread has ended");
    }

    public long recordsRead() {
        return recordsRead;
    }

    private void run() {
        while (!stop) {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(properties)) {
                consumer = c;
                assigned.clear();
                long lastRefresh = 0;
                while (!stop) {
                    long now = System.currentTimeMillis();
                    if (now - lastRefresh >= (ready ? REFRESH_MILLIS : 2_000)) {
                        ready = assign(c) || ready;
                        lastRefresh = now;
                    }
                    if (assigned.isEmpty()) {
                        Thread.sleep(200);
                        continue;
                    }
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) {
                        handle(r);
                    }
                }
            } catch (WakeupException e) {
                // closing
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (stop) {
                    return;
                }
                LOG.errorf(e, "event feed: consumer failed; reconnecting in 2 s");
                ready = false;
                try {
                    Thread.sleep(2_000);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * Assigns every partition of the three topics. Returns true when the frames topic is assigned. The first
     * partitions start at the replay window; partitions found later (new topics or partitions) at their beginning.
     */
    private boolean assign(KafkaConsumer<String, String> c) {
        Set<TopicPartition> all = new LinkedHashSet<>(assigned);
        for (String topic : List.of(topics.frames(), topics.generationRequests(), topics.inpaintingRequests())) {
            List<PartitionInfo> infos;
            try {
                infos = c.partitionsFor(topic, Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.debugf("event feed: cannot list partitions of %s: %s", topic, e.toString());
                continue;
            }
            if (infos == null || infos.isEmpty()) {
                if (reportedMissing.add(topic)) {
                    LOG.warnf("event feed: topic %s does not exist yet (the sampler or the deployment creates it); "
                            + "waiting for it", topic);
                }
                continue;
            }
            for (PartitionInfo info : infos) {
                all.add(new TopicPartition(topic, info.partition()));
            }
        }
        Set<TopicPartition> added = new HashSet<>(all);
        added.removeAll(assigned);
        if (!added.isEmpty()) {
            c.assign(new ArrayList<>(all));
            if (assigned.isEmpty() && replay.isZero()) {
                c.seekToEnd(added);
            } else if (assigned.isEmpty()) {
                // The replica's first assignment: start at the replay window.
                long since = clock.millis() - replay.toMillis();
                Map<TopicPartition, Long> query = new HashMap<>();
                added.forEach(tp -> query.put(tp, since));
                Map<TopicPartition, OffsetAndTimestamp> found = c.offsetsForTimes(query, Duration.ofSeconds(10));
                List<TopicPartition> toEnd = new ArrayList<>();
                for (TopicPartition tp : added) {
                    OffsetAndTimestamp at = found.get(tp);
                    if (at == null) {
                        toEnd.add(tp);
                    } else {
                        c.seek(tp, at.offset());
                    }
                }
                c.seekToEnd(toEnd);
            } else {
                c.seekToBeginning(added);
            }
            assigned.addAll(added);
            LOG.infof("event feed: reading %d partitions of %s, %s, %s", assigned.size(), topics.frames(),
                    topics.generationRequests(), topics.inpaintingRequests());
        }
        return assigned.stream().anyMatch(tp -> tp.topic().equals(topics.frames()));
    }

    private void handle(ConsumerRecord<String, String> r) {
        recordsRead++;
        try {
            if (r.topic().equals(topics.frames())) {
                JobEvent event = Contracts.decode(r.value(), JobEvent.class);
                Span span = tracer.spanBuilder("ncsn.gateway.job-event").setSpanKind(SpanKind.CONSUMER)
                        .setParent(KafkaTraceContext.extract(otel, r.headers()))
                        .setAttribute("ncsn.job.id", String.valueOf(event.jobId()))
                        .setAttribute("ncsn.event.type", event.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT))
                        .setAttribute("ncsn.event.sequence", event.sequence())
                        .setAttribute("messaging.destination.name", r.topic())
                        .setAttribute("messaging.kafka.message.offset", r.offset())
                        .startSpan();
                try {
                    registry.onEvent(event);
                } finally {
                    span.end();
                }
            } else if (r.topic().equals(topics.generationRequests())) {
                GenerationRequest g = Contracts.decode(r.value(), GenerationRequest.class);
                if (g.jobId() != null) {
                    registry.onRequest(new JobRegistry.RequestInfo(g.jobId(), "generation", g.model(),
                            g.parameters() == null ? null : g.parameters().count(),
                            g.parameters() == null ? null : g.parameters().stepsPerLevel(), g.submittedAt(), r.topic(), r.partition(), r.offset()));
                }
            } else if (r.topic().equals(topics.inpaintingRequests())) {
                InpaintingRequest i = Contracts.decode(r.value(), InpaintingRequest.class);
                if (i.jobId() != null) {
                    registry.onRequest(new JobRegistry.RequestInfo(i.jobId(), "inpainting", i.model(),
                            i.parameters() == null ? null : i.parameters().count(),
                            i.parameters() == null ? null : i.parameters().stepsPerLevel(), i.submittedAt(), r.topic(), r.partition(), r.offset()));
                }
            }
        } catch (RuntimeException e) {
            // Invalid records are the sampler's to dead-letter; the gateway only skips them.
            LOG.debugf("event feed: skipping %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    @Override
    public void close() {
        stop = true;
        KafkaConsumer<String, String> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
