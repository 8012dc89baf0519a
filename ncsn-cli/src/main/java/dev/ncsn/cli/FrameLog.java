package dev.ncsn.cli;

import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.JobEvent;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The frames topic, read whole from the beginning on a thread of its own, without a consumer group (so it rides a
 * broker restart like any client and commits nothing): every job's events in topic order, as {@link JobStream}s.
 */
final class FrameLog implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;
    private final Map<String, List<JobEvent>> jobs = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean stop;

    FrameLog(String bootstrapServers, String topic) {
        consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false",
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 * 1024 * 1024)),
                new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(60)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread = new Thread(this::run, "ncsn-chaos-frames");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (!stop) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        JobEvent e = Contracts.decode(r.value(), JobEvent.class);
                        List<JobEvent> list = jobs.computeIfAbsent(e.jobId(), k -> new ArrayList<>());
                        synchronized (list) {
                            list.add(e);
                        }
                    } catch (IllegalArgumentException e) {
                        // not an event of this contract: skipped, as consumers do
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    JobStream job(String jobId) {
        List<JobEvent> list = jobs.get(jobId);
        if (list == null) {
            return new JobStream(jobId, List.of());
        }
        synchronized (list) {
            return new JobStream(jobId, list);
        }
    }

    @Override
    public void close() {
        stop = true;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
