package dev.ncsn.sampler.core;

import ai.djl.ndarray.NDManager;
import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnScoreNetwork;
import dev.ncsn.model.sampling.SamplingRunner;
import dev.ncsn.model.sampling.JobState;
import dev.ncsn.model.sampling.FrameListener;
import dev.ncsn.model.sampling.SamplingJob;
import dev.ncsn.model.sampling.SamplingSpec;
import dev.ncsn.model.store.ModelStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a job snapshot costs: bytes, the copy on the sampling thread, encoding and the S3 write (on the snapshot
 * thread), against the time of a Langevin step, for the {@code compact} preset (16 images of 28×28) and for the
 * largest job (64 CIFAR-sized 3×32×32 images, inpainting, so two arrays). Prints one JSON line per case
 * ({@code SNAPSHOT {...}}). Runs only with -Dncsn.bench=true:
 * {@code ./mvnw -pl sampler-service -am test -Dtest=SnapshotBenchmark -Dncsn.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "ncsn.bench", matches = "true")
@ExtendWith(InfrastructureExtension.class)
class SnapshotBenchmark {

    private static final double INTERVAL_SECONDS = SamplerSettingsDefaults.INTERVAL_SECONDS;

    @Test
    void snapshotCost(LocalInfrastructure infra) {
        infra.createBucket(SamplerFixture.BUCKET);
        SnapshotStore store = new S3SnapshotStore(new ModelStore(infra.s3Client(), SamplerFixture.BUCKET));
        Architecture compact = Architecture.preset(Architecture.COMPACT);
        try (NDManager manager = NDManager.newBaseManager();
             NcsnScoreNetwork net = NcsnScoreNetwork.create(compact, TestModels.SCHEDULE, manager, 1)) {
            SamplingRunner sampler = new SamplingRunner(net);
            SamplingJob chain = sampler.job(SamplingSpec.images(16, 1), null, FrameListener.NONE);
            for (int i = 0; i < 3; i++) {
                sampler.step(List.of(chain), manager); // warm-up
            }
            int steps = Integer.getInteger("ncsn.bench.steps", 10);
            long t0 = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                sampler.step(List.of(chain), manager);
            }
            double stepSeconds = (System.nanoTime() - t0) / 1e9 / steps;
            report("compact 16×1×28×28", chain, store, stepSeconds);
        }
        // The largest job the contract allows, without a network: its state is what is written.
        float[] x = new float[64 * 3 * 32 * 32];
        java.util.Arrays.fill(x, 0.25f);
        report("64×3×32×32 inpainting", new JobState(x, x.clone(), 0.5, 1 << 20, 340, null), store, Double.NaN);
    }

    private static void report(String what, SamplingJob chain, SnapshotStore store, double stepSeconds) {
        int n = 20;
        long c0 = System.nanoTime();
        JobState state = null;
        for (int i = 0; i < n; i++) {
            state = chain.checkpoint();
        }
        double capture = (System.nanoTime() - c0) / 1e9 / n;
        Map<String, Object> f = measure(what, state, store);
        f.put("captureMillis", capture * 1000);
        f.put("stepMillis", stepSeconds * 1000);
        double perSnapshot = capture + (double) f.get("writeMillis") / 1000; // the write includes the encoding
        f.put("samplingThreadShareAtDefaultInterval", capture / INTERVAL_SECONDS);
        f.put("allSnapshotWorkShareAtDefaultInterval", perSnapshot / INTERVAL_SECONDS);
        System.out.println("SNAPSHOT " + Contracts.encode(f));
    }

    private static void report(String what, JobState state, SnapshotStore store, double stepSeconds) {
        int n = 20;
        long c0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            state = new JobState(state.x().clone(), state.knownNoisy() == null ? null : state.knownNoisy().clone(),
                    state.knownSigma(), state.randomDraws(), state.completedEvaluations(),
                    state.saved() == null ? null : state.saved().clone());
        }
        double capture = (System.nanoTime() - c0) / 1e9 / n;
        Map<String, Object> f = measure(what, state, store);
        f.put("captureMillis", capture * 1000);
        double perSnapshot = capture + (double) f.get("writeMillis") / 1000; // the write includes the encoding
        f.put("samplingThreadShareAtDefaultInterval", capture / INTERVAL_SECONDS);
        f.put("allSnapshotWorkShareAtDefaultInterval", perSnapshot / INTERVAL_SECONDS);
        System.out.println("SNAPSHOT " + Contracts.encode(f));
    }

    private static Map<String, Object> measure(String what, JobState state, SnapshotStore store) {
        JobSnapshot s = new JobSnapshot("bench-" + what.hashCode(), "m", "v1", 123, "ncsn.generation-requests",
                "{\"jobId\":\"bench\",\"count\":16}", state, false, "bench", Instant.now());
        int n = 10;
        byte[] bytes = null;
        long e0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            bytes = JobSnapshotCodec.encode(s);
        }
        double encode = (System.nanoTime() - e0) / 1e9 / n;
        store.write(s); // warm the connection
        long w0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            store.write(s);
        }
        double write = (System.nanoTime() - w0) / 1e9 / n;
        long r0 = System.nanoTime();
        JobSnapshot back = store.read(s.jobId()).orElseThrow();
        double read = (System.nanoTime() - r0) / 1e9;
        store.remove(s.jobId());
        if (!back.equals(s)) {
            throw new AssertionError("the snapshot did not come back intact");
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("job", what);
        f.put("bytes", bytes.length);
        f.put("encodeMillis", encode * 1000);
        f.put("writeMillis", write * 1000); // encoding and the S3 PUT
        f.put("readMillis", read * 1000);
        f.put("intervalSeconds", INTERVAL_SECONDS);
        return f;
    }

    /** The default interval, in seconds. */
    private static final class SamplerSettingsDefaults {
        static final double INTERVAL_SECONDS =
                dev.ncsn.sampler.config.SamplerSettings.DEFAULT_SNAPSHOT_INTERVAL.toMillis() / 1000.0;
    }
}
