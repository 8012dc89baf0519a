package dev.ncsn.gateway.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * How far behind the sampler pool is: for every partition of the request topics, the end offset minus the
 * sampler group's committed offset (or minus the partition's first offset where the group has committed nothing
 * yet, since workers start there). Their sum is the backlog depth that triggers 429s. Measured with two Kafka
 * admin calls and reused for {@code cacheFor}, so a burst of submissions costs one measurement.
 */
public final class Backlog {

    private static final Logger LOG = Logger.getLogger(Backlog.class);

    /** A measurement; {@code known} is false when Kafka could not be asked. */
    public record Snapshot(boolean known, long depth, Map<TopicPartition, Long> committed, Map<TopicPartition, Long> end,
                    Instant at) {

        static Snapshot unknown(Instant at) {
            return new Snapshot(false, 0, Map.of(), Map.of(), at);
        }

        /** Where the sampler pool is on a partition: records before it are finished. */
        public Long committed(String topic, int partition) {
            return committed.get(new TopicPartition(topic, partition));
        }
    }

    private final Admin admin;
    private final String groupId;
    private final List<String> topics;
    private final Duration cacheFor;
    private final Clock clock;
    private Snapshot last;

    public Backlog(Admin admin, String groupId, List<String> topics, Duration cacheFor, Clock clock) {
        this.admin = admin;
        this.groupId = groupId;
        this.topics = List.copyOf(topics);
        this.cacheFor = cacheFor;
        this.clock = clock;
    }

    /** The cached measurement, measuring again when it is older than {@code cacheFor}. */
    public synchronized Snapshot current() {
        Instant now = clock.instant();
        if (last != null && Duration.between(last.at(), now).compareTo(cacheFor) < 0) {
            return last;
        }
        try {
            last = measure(now);
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            LOG.warnf("cannot measure the backlog of group %s: %s", groupId, e.toString());
            last = last != null && last.known() ? last : Snapshot.unknown(now);
        }
        return last;
    }

    /** The last measurement without measuring (for health checks). */
    public synchronized Snapshot peek() {
        return last;
    }

    private Snapshot measure(Instant now) throws Exception {
        Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames().get(5, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        for (TopicDescription d : described.values()) {
            for (TopicPartitionInfo p : d.partitions()) {
                TopicPartition tp = new TopicPartition(d.name(), p.partition());
                latest.put(tp, OffsetSpec.latest());
                earliest.put(tp, OffsetSpec.earliest());
            }
        }
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                admin.listOffsets(latest).all().get(5, TimeUnit.SECONDS);
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts =
                admin.listOffsets(earliest).all().get(5, TimeUnit.SECONDS);
        Map<TopicPartition, OffsetAndMetadata> group =
                admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        Map<TopicPartition, Long> committed = new HashMap<>();
        Map<TopicPartition, Long> end = new HashMap<>();
        long depth = 0;
        for (TopicPartition tp : latest.keySet()) {
            long e = ends.get(tp).offset();
            long start = starts.get(tp).offset();
            OffsetAndMetadata c = group == null ? null : group.get(tp);
            long position = c == null ? start : Math.max(start, c.offset());
            committed.put(tp, position);
            end.put(tp, e);
            depth += Math.max(0, e - position);
        }
        return new Snapshot(true, depth, Map.copyOf(committed), Map.copyOf(end), now);
    }
}
