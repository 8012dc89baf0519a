package dev.ncsn.common.kafka;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.TopicPlan;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The plan's topics appear on a real broker with the planned partitions and configs, once. */
@ExtendWith(InfrastructureExtension.class)
class TopicCreatorTest {

    @Test
    void createsMissingTopicsWithPlannedPartitionsAndConfigs(LocalInfrastructure infra) throws Exception {
        TopicPlan.TopicNames names = new TopicPlan.TopicNames("tc.gen", "tc.inp", "tc.frames", "tc.models",
                "tc.control", "tc.dlq");
        TopicPlan plan = TopicPlan.standard(names, 3, Duration.ofMinutes(5));

        List<String> created = TopicCreator.createMissing(infra.kafkaBootstrapServers(), plan, (short) 1);
        assertEquals(List.of("tc.gen", "tc.inp", "tc.frames", "tc.models", "tc.control", "tc.dlq"),
                created.stream().sorted(java.util.Comparator.comparingInt(
                        n -> plan.topics().indexOf(plan.topic(n)))).toList());
        assertEquals(List.of(), TopicCreator.createMissing(infra.kafkaBootstrapServers(), plan, (short) 1),
                "a second call creates nothing");

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers()))) {
            var described = admin.describeTopics(List.of("tc.gen", "tc.frames", "tc.models", "tc.control"))
                    .allTopicNames().get(30, TimeUnit.SECONDS);
            assertEquals(3, described.get("tc.gen").partitions().size());
            assertEquals(3, described.get("tc.frames").partitions().size());
            assertEquals(1, described.get("tc.models").partitions().size());
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(
                    new ConfigResource(ConfigResource.Type.TOPIC, "tc.frames"),
                    new ConfigResource(ConfigResource.Type.TOPIC, "tc.models"),
                    new ConfigResource(ConfigResource.Type.TOPIC, "tc.control"))).all().get(30, TimeUnit.SECONDS);
            assertEquals(Integer.toString(TopicPlan.MAX_MESSAGE_BYTES), configs.get(
                    new ConfigResource(ConfigResource.Type.TOPIC, "tc.frames")).get("max.message.bytes").value());
            assertEquals("compact", configs.get(
                    new ConfigResource(ConfigResource.Type.TOPIC, "tc.models")).get("cleanup.policy").value());
            assertEquals("300000", configs.get(
                    new ConfigResource(ConfigResource.Type.TOPIC, "tc.control")).get("retention.ms").value());
        }
    }
}
