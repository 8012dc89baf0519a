package dev.ncsn.sampler.core;

import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.model.store.S3Endpoint;
import dev.ncsn.sampler.config.BatchSettings;
import dev.ncsn.sampler.config.SamplerSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One sampler worker as its own JVM process, for the fault suite: the production {@link SamplerNode} with
 * plain-producer sinks, the control and model-update topics read as the service's SmallRye channels read them
 * ({@link ControlFeed}), a graceful stop on SIGTERM (shutdown hook, as Quarkus does) and nothing at all on
 * SIGKILL. Prints {@code READY} once it is in the group, {@code SERVING {model: version}} whenever the served
 * versions change, {@code BROKEN reason} if it could not go on (what liveness would report), and at a graceful stop
 * one {@code METRICS {...}} line.
 *
 * <p>Arguments: bootstrap servers, S3 endpoint, access key, secret key, bucket, topic prefix, group, model,
 * instance id, snapshot interval in milliseconds.
 */
public final class SamplerProcessMain {

    private SamplerProcessMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 10) {
            throw new IllegalArgumentException("usage: BOOTSTRAP S3_ENDPOINT ACCESS SECRET BUCKET PREFIX GROUP MODEL "
                    + "INSTANCE SNAPSHOT_INTERVAL_MS");
        }
        ModelStore store = new S3Endpoint(args[1], args[2], args[3], args[4]).openModelStore();
        SamplerSettings.TopicNames topics = SamplerSettings.TopicNames.prefixed(args[5]);
        SamplerSettings d = SamplerSettings.defaults(args[0], args[6], args[8], topics, List.of(args[7]));
        SamplerSettings settings = new SamplerSettings(d.bootstrapServers(), d.groupId(), d.instanceId(), topics,
                d.models(), d.maxInFlightJobs(), BatchSettings.fixed(SamplerSettings.DEFAULT_BATCH_BUDGET),
                d.recentCancels(), Duration.ofMinutes(10),
                "cpu", d.pollTimeout(), Duration.ofSeconds(20), Map.of(),
                Duration.ofMillis(Long.parseLong(args[9])));
        ProducerSinks sinks = new ProducerSinks(args[0], topics);
        SamplerNode node = new SamplerNode(settings, store, sinks, sinks, new SimpleMeterRegistry());
        ControlFeed control = new ControlFeed(args[0], topics, args[8], node.control());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            long start = System.nanoTime();
            control.close();
            node.close();
            sinks.close();
            System.out.println("METRICS " + Contracts.encode(figures(node, (System.nanoTime() - start) / 1e9)));
            System.out.flush();
        }, "graceful-stop"));
        node.start();
        control.start();
        while (!node.ready()) {
            Thread.sleep(20);
        }
        System.out.println("READY " + args[8]);
        System.out.flush();
        boolean reported = false;
        Map<String, String> serving = Map.of();
        while (true) {
            Thread.sleep(200);
            if (!node.versions().equals(serving)) {
                serving = new LinkedHashMap<>(node.versions());
                System.out.println("SERVING " + Contracts.encode(serving));
                System.out.flush();
            }
            String broken = node.broken();
            if (broken != null && !reported) {
                // What liveness would report: the fault tests require that no fault gets a worker here.
                System.out.println("BROKEN " + broken);
                System.out.flush();
                reported = true;
            }
        }
    }

    private static Map<String, Object> figures(SamplerNode node, double stopSeconds) {
        var m = node.metrics();
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("instance", node.settings().instanceId());
        f.put("langevinSteps", m.langevinSteps());
        f.put("forwardPassSeconds", m.forwardPassSeconds());
        f.put("snapshots", m.snapshotsWritten());
        f.put("snapshotBytes", m.snapshotBytes());
        f.put("snapshotWriteSeconds", m.snapshotWriteSeconds());
        f.put("snapshotCaptureSeconds", m.snapshotCaptureSeconds());
        f.put("snapshotFailures", m.snapshotFailures());
        f.put("jobsResumed", m.jobsResumed("snapshot"));
        f.put("jobsRestarted", m.jobsResumed("restart"));
        f.put("reloadFailures", node.settings().models().stream().mapToDouble(m::reloadFailures).sum());
        f.put("versions", node.versions());
        f.put("stopSeconds", stopSeconds);
        return f;
    }
}
