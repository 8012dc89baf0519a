package dev.ncsn.sampler;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the topics a sampler uses when they are missing (existing topics are left as they are):
 * <ul>
 *   <li>request topics with {@code requestPartitions} partitions: the most workers that can share the load;</li>
 *   <li>frames with as many partitions, and room for large frames ({@value #MAX_MESSAGE_BYTES} bytes);</li>
 *   <li>model updates compacted (the latest update per model stays);</li>
 *   <li>control with a short retention ({@code controlRetentionMs}): a worker that starts reads the cancels of
 *       that window, so a job re-run after its worker died still sees a cancel sent before;</li>
 *   <li>dead letters.</li>
 * </ul>
 */
public final class TopicSetup {

    private static final Logger LOG = Logger.getLogger(TopicSetup.class);
    /** Frames carry base64 PNG grids; 64 CIFAR-sized samples with a denoised preview stay well under this. */
    public static final int MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

    private TopicSetup() {
    }

    public static void createMissing(String bootstrapServers, SamplerSettings.TopicNames topics,
                                     int requestPartitions, long controlRetentionMs, short replicationFactor) {
        List<NewTopic> wanted = new ArrayList<>();
        wanted.add(new NewTopic(topics.generationRequests(), requestPartitions, replicationFactor));
        wanted.add(new NewTopic(topics.inpaintingRequests(), requestPartitions, replicationFactor));
        wanted.add(new NewTopic(topics.frames(), requestPartitions, replicationFactor)
                .configs(Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES))));
        wanted.add(new NewTopic(topics.modelUpdates(), 1, replicationFactor)
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        wanted.add(new NewTopic(topics.control(), 1, replicationFactor)
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(controlRetentionMs))));
        wanted.add(new NewTopic(topics.deadLetter(), 1, replicationFactor));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            for (var entry : admin.createTopics(missing).values().entrySet()) {
                try {
                    entry.getValue().get(30, TimeUnit.SECONDS);
                    LOG.infof("created topic %s", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + ": "
                                + e.getCause().getMessage(), e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list topics at " + bootstrapServers + ": " + e, e);
        }
    }
}
