package dev.ncsn.trainer.core;

import dev.ncsn.model.store.S3Endpoint;
import dev.ncsn.trainer.config.GateSettings;
import dev.ncsn.trainer.kafka.KafkaProducerSink;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A trainer as its own JVM process, for the fault suite: the production {@link TrainerNode} on a real store and
 * Kafka, killed with SIGKILL by the test (no hook, nothing saved or recorded). Every candidate is promoted (a huge
 * gate tolerance), so each checkpoint moves the pointer.
 *
 * <p>Arguments: bootstrap servers, S3 endpoint, access key, secret key, bucket, model-updates topic, work directory,
 * then either {@code start RUN MODEL DATASET STEPS EVERY} (prints {@code STARTED}) or {@code resume} (resumes the
 * interrupted runs, as a trainer does at start-up; prints {@code RESUMED [runs]}); then waits for the runs to end and
 * prints {@code DONE RUN STATUS} for each.
 */
public final class TrainerProcessMain {

    private TrainerProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        S3Endpoint endpoint = new S3Endpoint(args[1], args[2], args[3], args[4]);
        try (KafkaProducerSink sink = new KafkaProducerSink(args[0], args[5])) {
            TrainerNode node = new TrainerNode(TrainerFixture.settings(Path.of(args[6]))
                    .withGate(new GateSettings(1e6, 16, 7L, 16)), endpoint.openModelStore(), endpoint.openBucket(),
                    sink, new SimpleMeterRegistry());
            List<String> runs;
            if (args[7].equals("start")) {
                node.start(TrainerFixture.tinyRun(args[8], args[9], TrainerFixture.dataset(args[10]),
                        Long.parseLong(args[11]), Integer.parseInt(args[12]), 0.9, false, null));
                runs = List.of(args[8]);
                System.out.println("STARTED " + args[8]);
            } else {
                runs = node.resumeInterrupted();
                System.out.println("RESUMED " + runs);
            }
            System.out.flush();
            for (String run : runs) {
                node.job(run).orElseThrow().await(Duration.ofMinutes(5));
                System.out.println("DONE " + run + " " + node.run(run).status());
                System.out.flush();
            }
            node.close(Duration.ofSeconds(30));
        }
    }
}
