package dev.ncsn.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Produce and consume with the plain Kafka client through the shared broker. */
@ExtendWith(InfrastructureExtension.class)
class EmbeddedKafkaTest {

    @Test
    void producedRecordsAreConsumedInOrder(LocalInfrastructure infra) throws Exception {
        String topic = "it.round-trip";
        infra.createTopic(topic, 1, Map.of());
        List<String> values = IntStream.range(0, 50).mapToObj(i -> "value-" + i).toList();
        KafkaTestSupport.send(infra.kafkaBootstrapServers(), topic, values);

        try (KafkaConsumer<String, String> consumer =
                KafkaTestSupport.consumer(infra.kafkaBootstrapServers(), "it-round-trip")) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, String>> records =
                    KafkaTestSupport.pollFor(consumer, values.size(), Duration.ofSeconds(30));
            assertEquals(values, records.stream().map(ConsumerRecord::value).toList());
            consumer.commitSync();
        }
    }

    @Test
    void createTopicIsIdempotent(LocalInfrastructure infra) {
        infra.createTopic("it.idempotent", 3, Map.of("cleanup.policy", "compact"));
        infra.createTopic("it.idempotent", 3, Map.of("cleanup.policy", "compact"));
    }

    @Test
    void groupRebalancesWhenSecondMemberJoins(LocalInfrastructure infra) throws Exception {
        String topic = "it.rebalance";
        String group = "it-rebalance";
        infra.createTopic(topic, 4, Map.of());
        String bootstrap = infra.kafkaBootstrapServers();

        try (KafkaConsumer<String, String> first = KafkaTestSupport.consumer(bootstrap, group);
                KafkaConsumer<String, String> second = KafkaTestSupport.consumer(bootstrap, group)) {
            AtomicReference<Set<TopicPartition>> firstAssigned = new AtomicReference<>(Set.of());
            AtomicReference<Boolean> firstRevoked = new AtomicReference<>(false);
            first.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
                    if (!partitions.isEmpty()) {
                        firstRevoked.set(true);
                    }
                }

                @Override
                public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
                }
            });
            // Alone, the first member gets all four partitions.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (first.assignment().size() < 4 && System.nanoTime() < deadline) {
                first.poll(Duration.ofMillis(100));
            }
            assertEquals(4, first.assignment().size(), "first member alone owns every partition");

            // The second member joins: both poll until the group has rebalanced to 2 + 2.
            second.subscribe(List.of(topic));
            deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while ((first.assignment().size() != 2 || second.assignment().size() != 2)
                    && System.nanoTime() < deadline) {
                first.poll(Duration.ofMillis(100));
                second.poll(Duration.ofMillis(100));
            }
            firstAssigned.set(new HashSet<>(first.assignment()));
            Set<TopicPartition> secondAssigned = new HashSet<>(second.assignment());
            assertEquals(2, firstAssigned.get().size(), "first member after the rebalance: " + firstAssigned);
            assertEquals(2, secondAssigned.size(), "second member after the rebalance: " + secondAssigned);
            Set<TopicPartition> disjoint = new HashSet<>(firstAssigned.get());
            disjoint.retainAll(secondAssigned);
            assertTrue(disjoint.isEmpty(), "members own distinct partitions");
            assertTrue(firstRevoked.get(), "the first member gave partitions up");

            // Records on every partition reach exactly the member that owns it.
            List<String> values = IntStream.range(0, 40).mapToObj(i -> "r" + i).toList();
            KafkaTestSupport.send(bootstrap, topic, values);
            Set<String> seen = new HashSet<>();
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (seen.size() < values.size() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> r : first.poll(Duration.ofMillis(100))) {
                    assertTrue(firstAssigned.get().contains(new TopicPartition(r.topic(), r.partition())));
                    assertTrue(seen.add(r.value()), "no duplicates");
                }
                for (ConsumerRecord<String, String> r : second.poll(Duration.ofMillis(100))) {
                    assertTrue(secondAssigned.contains(new TopicPartition(r.topic(), r.partition())));
                    assertTrue(seen.add(r.value()), "no duplicates");
                }
            }
            assertEquals(values.stream().collect(Collectors.toSet()), seen);
            assertFalse(seen.isEmpty());
        }
    }
}
