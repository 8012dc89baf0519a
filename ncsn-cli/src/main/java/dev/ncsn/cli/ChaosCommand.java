package dev.ncsn.cli;

import dev.ncsn.model.checkpoint.Checkpoint;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.contract.TopicPlan;
import dev.ncsn.model.contract.Topics;
import dev.ncsn.model.store.LivePointer;
import dev.ncsn.model.store.ModelStore;
import dev.ncsn.model.store.S3Endpoint;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * `ncsn chaos`: the fault suite's scenarios at a larger size, on the packaged services as they run in production.
 * Starts the embedded S3 store and the Kafka broker as two processes of their own (local-infra's `--only`), puts the
 * shipped model in as the live version, starts a pool of sampler-service processes, and for each scenario submits a
 * batch of generation jobs, waits until they are well under way, applies the fault (kill -9 of the worker running the
 * most jobs, SIGTERM of that worker, or a restart of the broker on the same port and data) and waits until every job
 * has ended. The figures come from the frames topic (steps redone, recovery) and the workers' Prometheus metrics
 * (snapshot bytes and time); one JSON line on standard output, progress on standard error. Bounded by --timeout.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the fault scenarios (kill -9 of a sampler worker, SIGTERM of one, a Kafka broker restart) "
                + "against embedded Kafka and S3 and a pool of sampler-service processes, and print one JSON line of "
                + "figures: recovery time, steps redone per job, snapshot overhead, jobs done and lost.",
                "Everything runs under --data (emptied first; logs kept there) and stops by itself."})
final class ChaosCommand implements Callable<Integer> {

    private static final String MODEL = UpCommand.MODEL;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Option(names = "--workers", defaultValue = "3", description = "Sampler processes in the pool. Default: ${DEFAULT-VALUE}")
    int workers;

    @Option(names = "--jobs", defaultValue = "8", description = "Generation jobs per scenario. Default: ${DEFAULT-VALUE}")
    int jobs;

    @Option(names = "--count", defaultValue = "2", description = "Images per job. Default: ${DEFAULT-VALUE}")
    int count;

    @Option(names = "--steps-per-level", defaultValue = "20",
            description = "Langevin steps per level (a frame every step, so at most 50). Default: ${DEFAULT-VALUE}")
    int stepsPerLevel;

    @Option(names = "--snapshot-interval", defaultValue = "5", paramLabel = "SECONDS",
            description = "The workers' ncsn.sampler.snapshot-interval. Default: ${DEFAULT-VALUE} (the service's)")
    int snapshotSeconds;

    @Option(names = "--broker-down", defaultValue = "5", paramLabel = "SECONDS",
            description = "How long the broker stays stopped. Default: ${DEFAULT-VALUE}")
    int brokerDownSeconds;

    @Option(names = "--scenarios", defaultValue = "kill,sigterm,broker", split = ",",
            description = "Which scenarios, in order: kill, sigterm, broker. Default: ${DEFAULT-VALUE}")
    List<String> scenarios;

    @Option(names = "--seed-model", paramLabel = "DIR", description = "The checkpoint the workers serve. Default: "
            + UpCommand.DEFAULT_SEED + " in the repository")
    Path seedModel;

    @Option(names = "--data", paramLabel = "DIR", description = "Scratch data and logs (emptied first). Default: "
            + ".ncsn/chaos in the repository")
    Path data;

    @Option(names = "--timeout", defaultValue = "1500", paramLabel = "SECONDS",
            description = "The whole run stops after this long, whatever is left. Default: ${DEFAULT-VALUE}")
    int timeoutSeconds;

    /** A sampler process of the pool. */
    private record Worker(String instance, int port, ChildProcess process) {
    }

    private final List<Worker> pool = new ArrayList<>();
    private final Map<String, String> metrics = new ConcurrentHashMap<>();
    private final List<ChildProcess> infra = new ArrayList<>();
    private Path home;
    private Path dataDir;
    private Path logs;
    private long deadline;
    private int kafkaPort;
    private int s3Port;
    private int kafkaStarts;
    private int workerStarts;
    private ChildProcess kafka;
    private Map<String, String> env;
    private KafkaProducer<String, String> producer;
    private FrameLog frames;
    private volatile boolean stopping;

    @Override
    public Integer call() throws Exception {
        if (workers < 2 || jobs < 1 || count < 1 || count > SamplingParameters.MAX_COUNT || stepsPerLevel < 1
                || stepsPerLevel > SamplingParameters.MAX_FRAMES_PER_LEVEL || snapshotSeconds < 1) {
            throw new IllegalArgumentException("need --workers ≥ 2, --jobs ≥ 1, --count 1.." + SamplingParameters.MAX_COUNT
                    + ", --steps-per-level 1.." + SamplingParameters.MAX_FRAMES_PER_LEVEL + ", --snapshot-interval ≥ 1");
        }
        for (String s : scenarios) {
            if (!List.of("kill", "sigterm", "broker").contains(s)) {
                throw new IllegalArgumentException("unknown scenario " + s + " (kill, sigterm, broker)");
            }
        }
        // The broker restart is on purpose: its clients' reconnect warnings would drown the progress lines.
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        long start = System.nanoTime();
        deadline = start + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        home = Path.of(System.getProperty("ncsn.home", ".")).toAbsolutePath().normalize();
        dataDir = (data == null ? home.resolve(".ncsn/chaos") : data.toAbsolutePath()).normalize();
        Path seed = CheckpointDirectory.resolve((seedModel == null ? home.resolve(UpCommand.DEFAULT_SEED)
                : seedModel.toAbsolutePath()).normalize());
        CheckpointManifest manifest = Checkpoint.read(seed).manifest();
        deleteRecursively(dataDir);
        logs = dataDir.resolve("logs");
        Files.createDirectories(logs);
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "ncsn-chaos-stop"));
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            startInfrastructure();
            ModelStore store = ModelStore.connect(new S3Endpoint(env.get("NCSN_S3_ENDPOINT"),
                    env.get("NCSN_S3_ACCESS_KEY"), env.get("NCSN_S3_SECRET_KEY"), env.get("NCSN_S3_BUCKET")));
            store.putCheckpointDirectory(seed);
            store.setLive(new LivePointer(MODEL, manifest.versionId(), ModelStore.versionPrefix(MODEL,
                    manifest.versionId()), manifest.trainingStep(), manifest.metrics(), Instant.now()));
            producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap(),
                    ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true"),
                    new StringSerializer(), new StringSerializer());
            frames = new FrameLog(bootstrap(), Topics.FRAMES);
            List<Worker> started = new ArrayList<>();
            for (int i = 0; i < workers; i++) {
                started.add(startWorker());
            }
            for (Worker w : started) {
                awaitReady(w);
            }
            Thread scraper = new Thread(this::scrapeLoop, "ncsn-chaos-metrics");
            scraper.setDaemon(true);
            scraper.start();

            out.put("model", MODEL + "/" + manifest.versionId() + " (" + manifest.architecture().preset() + ")");
            out.put("workers", workers);
            out.put("jobsPerScenario", jobs);
            out.put("imagesPerJob", count);
            out.put("stepsPerJob", 10 * stepsPerLevel);
            out.put("snapshotIntervalSeconds", snapshotSeconds);
            Map<String, Object> results = new LinkedHashMap<>();
            int done = 0;
            int lost = 0;
            for (int i = 0; i < scenarios.size(); i++) {
                Map<String, Object> r = scenario(scenarios.get(i), i);
                results.put(scenarios.get(i), r);
                done += (Integer) r.get("jobsDone");
                lost += (Integer) r.get("jobsLost");
            }
            scrapeAll();
            out.put("scenarios", results);
            out.put("snapshots", snapshotFigures());
            out.put("jobsDone", done);
            out.put("jobsLost", lost);
        } catch (RuntimeException | InterruptedException e) {
            out.put("error", e.toString());
            System.err.println("ncsn chaos: " + e);
        }
        out.put("seconds", round((System.nanoTime() - start) / 1e9));
        System.out.println(Contracts.encode(out));
        System.out.flush();
        stopAll();
        return out.containsKey("error") || !Integer.valueOf(0).equals(out.get("jobsLost")) ? 1 : 0;
    }

    // ---------------------------------------------------------------------------------------------- scenarios

    private Map<String, Object> scenario(String name, int index) throws Exception {
        if (!waitFor(this::balanced, Duration.ofMinutes(2))) {
            log(name + ": the pool's partitions are not all assigned; going on");
        }
        for (Worker w : pool) {
            if (!w.process().alive()) {
                throw new IllegalStateException(w.instance() + " ended by itself (" + w.process().exitDescription()
                        + "); last lines of its log:\n" + w.process().tail(20));
            }
        }
        log(name + ": " + jobs + " jobs of " + count + " images, " + 10 * stepsPerLevel + " steps each");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < jobs; i++) {
            String id = "chaos-" + name + "-" + i;
            ids.add(id);
            submit(id, 1000L * (index + 1) + i);
        }
        // Well under way: a third of the steps done, and one snapshot interval past the start of every job.
        Duration interval = Duration.ofSeconds(snapshotSeconds).plusSeconds(1);
        boolean underWay = waitFor(() -> ids.stream().map(frames::job).allMatch(j -> j.totalSteps() > 0
                && j.completedSteps() * 3 >= j.totalSteps()
                && j.startedAt().map(t -> t.plus(interval).isBefore(Instant.now())).orElse(false)),
                Duration.ofMinutes(10));
        if (!underWay) {
            log(name + ": not every job got a third of the way; applying the fault anyway");
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("jobs", ids.size());
        Instant chosenAt = Instant.now();
        Instant faultAt;
        List<String> affected;
        Worker victim = null;
        if (name.equals("broker")) {
            faultAt = Instant.now();
            affected = ids.stream().filter(id -> !frames.job(id).endedBefore(faultAt)).toList();
            long stop = System.nanoTime();
            kafka.stop(Duration.ofSeconds(60));
            double stopSeconds = (System.nanoTime() - stop) / 1e9;
            log("broker: stopped in " + round(stopSeconds) + " s; down for " + brokerDownSeconds + " s");
            Thread.sleep(TimeUnit.SECONDS.toMillis(brokerDownSeconds));
            long restart = System.nanoTime();
            startKafka();
            r.put("brokerStopSeconds", round(stopSeconds));
            r.put("brokerDownSeconds", round((restart - stop) / 1e9));
            r.put("brokerStartSeconds", round((System.nanoTime() - restart) / 1e9));
        } else {
            // A job runs on the owner of its request partition (jobs move with partitions).
            Map<Integer, String> owners = owners();
            Map<String, Long> running = new LinkedHashMap<>();
            for (String id : ids) {
                String owner = owners.get(partition(id));
                if (owner != null && !frames.job(id).endedBefore(chosenAt)) {
                    running.merge(owner, 1L, Long::sum);
                }
            }
            String most = running.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey)
                    .orElseThrow(() -> new IllegalStateException(name + ": no job is running"));
            victim = pool.stream().filter(w -> w.instance().equals(most)).findFirst().orElseThrow();
            scrape(victim); // its last figures (a killed worker answers no more); before the clock starts
            Instant signalled = Instant.now();
            faultAt = signalled;
            affected = ids.stream().filter(id -> most.equals(owners.get(partition(id)))
                    && !frames.job(id).endedBefore(signalled)).toList();
            if (name.equals("kill")) {
                victim.process().kill();
            } else {
                victim.process().terminate();
            }
            log(name + ": " + (name.equals("kill") ? "SIGKILL" : "SIGTERM") + " to " + most + ", running "
                    + affected.size() + " jobs");
            if (!victim.process().awaitExit(Duration.ofSeconds(90))) {
                victim.process().kill();
            }
            pool.remove(victim);
            r.put("worker", most);
            r.put("workerExit", victim.process().exitDescription());
        }
        r.put("affectedJobs", affected.size());
        long waitFrom = System.nanoTime();
        boolean ended = waitFor(() -> ids.stream().allMatch(id -> frames.job(id).terminal().isPresent()),
                Duration.ofMinutes(15));
        if (name.equals("broker")) {
            // The workers sample on while the broker is down (their sends wait); what matters is when all is stored.
            r.put("allEndedSecondsAfterBrokerBack", round((System.nanoTime() - waitFrom) / 1e9));
        }
        int done = (int) ids.stream().filter(id -> frames.job(id).done()).count();
        int endedOtherwise = (int) ids.stream().filter(id -> frames.job(id).terminal().isPresent()
                && !frames.job(id).done()).count();
        r.put("jobsDone", done);
        r.put("jobsFailedOrCancelled", endedOtherwise);
        r.put("jobsLost", ids.size() - done - endedOtherwise);
        if (!ended) {
            log(name + ": not every job ended in time");
        }
        List<Double> recovery = new ArrayList<>();
        List<Long> redone = new ArrayList<>();
        for (String id : affected) {
            JobStream j = frames.job(id);
            // Recovery: from the signal to the first event made after it (the next owner's: the victim stopped).
            j.firstEventAfter(faultAt).ifPresent(d -> recovery.add(d.toMillis() / 1000.0));
            redone.add(j.repeatedFrames());
        }
        if (!name.equals("broker")) {
            r.put("recoverySecondsMax", round(recovery.stream().mapToDouble(Double::doubleValue).max().orElse(0)));
            r.put("recoverySecondsMean", round(recovery.stream().mapToDouble(Double::doubleValue).average().orElse(0)));
        }
        r.put("stepsRedonePerJobMax", redone.stream().mapToLong(Long::longValue).max().orElse(0));
        r.put("stepsRedonePerJobMean", round(redone.stream().mapToLong(Long::longValue).average().orElse(0)));
        r.put("stepsInOneSnapshotInterval", stepsPerInterval(affected));
        if (name.equals("broker")) {
            r.put("workersAlive", pool.stream().filter(w -> w.process().alive()).count());
        } else if (name.equals("kill")) {
            r.put("resultsIdenticalToUninterrupted", identical(affected, index) + " of " + affected.size());
        }
        r.put("allEnded", ended);
        log(name + ": " + Contracts.encode(r));
        if (victim != null && System.nanoTime() < deadline) {
            awaitReady(startWorker()); // the pool is whole again for the next scenario
        }
        return r;
    }

    /** Steps the affected jobs made per snapshot interval (their mean rate times the interval), the bound on redone. */
    private long stepsPerInterval(List<String> affected) {
        double rate = 0;
        int n = 0;
        for (String id : affected) {
            JobStream j = frames.job(id);
            Optional<JobEvent> end = j.terminal();
            Optional<Instant> begin = j.startedAt();
            if (end.isPresent() && begin.isPresent()) {
                double seconds = Duration.between(begin.get(), end.get().at()).toMillis() / 1000.0;
                if (seconds > 0) {
                    rate += (j.totalSteps() + j.repeatedFrames()) / seconds;
                    n++;
                }
            }
        }
        return n == 0 ? 0 : Math.round(rate / n * snapshotSeconds);
    }

    /** Runs the affected jobs again, uninterrupted, with the same seeds: how many end with the same images. */
    private int identical(List<String> affected, int index) throws InterruptedException {
        List<String> refs = new ArrayList<>();
        for (String id : affected) {
            String ref = id + "-reference";
            refs.add(ref);
            submit(ref, 1000L * (index + 1) + Long.parseLong(id.substring(id.lastIndexOf('-') + 1)));
        }
        waitFor(() -> refs.stream().allMatch(id -> frames.job(id).terminal().isPresent()), Duration.ofMinutes(10));
        int same = 0;
        for (String id : affected) {
            Optional<JobEvent> a = frames.job(id).terminal();
            Optional<JobEvent> b = frames.job(id + "-reference").terminal();
            if (a.isPresent() && b.isPresent() && a.get() instanceof JobEvent.Done da && b.get() instanceof JobEvent.Done db
                    && da.images().equals(db.images())) {
                same++;
            }
        }
        return same;
    }

    private void submit(String id, long seed) {
        SamplingParameters p = new SamplingParameters(count, seed, stepsPerLevel, null, 1, null, null);
        try {
            producer.send(new ProducerRecord<>(Topics.GENERATION_REQUESTS, id,
                    Contracts.encode(new GenerationRequest(id, MODEL, p, Instant.now())))).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot submit " + id + ": " + e, e);
        }
    }

    // ---------------------------------------------------------------------------------------------- figures

    private Map<String, Object> snapshotFigures() {
        double snapshots = 0;
        double bytes = 0;
        double write = 0;
        double capture = 0;
        double forward = 0;
        double steps = 0;
        double failures = 0;
        double resumed = 0;
        for (String text : metrics.values()) {
            snapshots += PrometheusText.sum(text, "ncsn_sampler_snapshot_size_bytes_count", "");
            bytes += PrometheusText.sum(text, "ncsn_sampler_snapshot_size_bytes_sum", "");
            write += PrometheusText.sum(text, "ncsn_sampler_snapshot_write_seconds_sum", "");
            capture += PrometheusText.sum(text, "ncsn_sampler_snapshot_capture_seconds_sum", "");
            forward += PrometheusText.sum(text, "ncsn_sampler_forward_pass_seconds_sum", "");
            steps += PrometheusText.sum(text, "ncsn_sampler_langevin_steps_total", "");
            failures += PrometheusText.sum(text, "ncsn_sampler_snapshot_failures_total", "");
            resumed += PrometheusText.sum(text, "ncsn_sampler_jobs_resumed_total", "from=\"snapshot\"");
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("written", (long) snapshots);
        f.put("failed", (long) failures);
        f.put("bytesPerSnapshot", snapshots == 0 ? 0 : Math.round(bytes / snapshots));
        f.put("writeMillisPerSnapshot", snapshots == 0 ? 0 : round(1000 * write / snapshots));
        f.put("captureMillisPerSnapshot", snapshots == 0 ? 0 : round(1000 * capture / snapshots, 4));
        // The sampling thread only copies (capture); encoding and the PUT run on the snapshot thread.
        f.put("shareOfSamplingTime", forward == 0 ? 0 : round((write + capture) / forward, 5));
        f.put("shareOfSamplingThread", forward == 0 ? 0 : round(capture / forward, 7));
        f.put("forwardPassSeconds", round(forward));
        f.put("langevinSteps", (long) steps);
        f.put("jobsResumedFromSnapshots", (long) resumed);
        f.put("fromWorkers", metrics.size());
        return f;
    }

    // ---------------------------------------------------------------------------------------------- processes

    private void startInfrastructure() throws Exception {
        s3Port = freePort();
        kafkaPort = freePort();
        while (kafkaPort == s3Port) {
            kafkaPort = freePort();
        }
        Path s3Log = logs.resolve("s3.log");
        ChildProcess s3 = ChildProcess.start("s3", infraCommand("s3"), Map.of(), home, s3Log);
        infra.add(s3);
        awaitLine(s3, s3Log, "NCSN_INFRA_READY", Duration.ofMinutes(2));
        Map<String, String> values = lines(s3Log);
        env = new LinkedHashMap<>();
        env.put("NCSN_S3_ENDPOINT", values.get("S3_ENDPOINT"));
        env.put("NCSN_S3_ACCESS_KEY", values.get("S3_ACCESS_KEY"));
        env.put("NCSN_S3_SECRET_KEY", values.get("S3_SECRET_KEY"));
        env.put("NCSN_S3_BUCKET", values.get("S3_BUCKET"));
        startKafka();
        env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap());
        log("Kafka " + bootstrap() + ", S3 " + env.get("NCSN_S3_ENDPOINT") + ", data in " + dataDir);
    }

    /** The broker as its own process, on the same port and data directory each time. */
    private void startKafka() throws Exception {
        kafkaStarts++;
        Path log = logs.resolve("kafka-" + kafkaStarts + ".log");
        kafka = ChildProcess.start("kafka", infraCommand("kafka"), Map.of(), home, log);
        infra.add(kafka);
        awaitLine(kafka, log, "NCSN_INFRA_READY", Duration.ofMinutes(2));
    }

    private List<String> infraCommand(String only) throws IOException {
        List<String> command = new ArrayList<>(List.of(UpCommand.javaBin(), "-Xmx512m", "-cp",
                UpCommand.localInfraClasspath(home), "dev.ncsn.infra.LocalInfrastructureMain", "--only", only,
                "--data", dataDir.resolve("infra").toString()));
        if (only.equals("kafka")) {
            command.addAll(List.of("--kafka-port", Integer.toString(kafkaPort)));
            for (TopicPlan.Topic topic : TopicPlan.standard().topics()) {
                command.add("--topic");
                command.add(UpCommand.topicSpec(topic));
            }
        } else {
            command.addAll(List.of("--s3-port", Integer.toString(s3Port)));
        }
        return command;
    }

    private Worker startWorker() throws IOException {
        Path jar = home.resolve("sampler-service/target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("sampler-service is not built (" + jar + " is missing); ./ncsn chaos builds it");
        }
        workerStarts++;
        String instance = "chaos-worker-" + workerStarts;
        int port = freePort();
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        e.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        e.put("NCSN_SAMPLER_INSTANCE_ID", instance);
        e.put("NCSN_SAMPLER_SNAPSHOT_INTERVAL", snapshotSeconds + "s");
        if (System.getenv("OMP_WAIT_POLICY") == null) {
            e.put("OMP_WAIT_POLICY", "PASSIVE");
        }
        ChildProcess p = ChildProcess.start(instance, List.of(UpCommand.javaBin(), "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.graph_optimizer=false", "-Dai.djl.pytorch.num_threads=1", "-jar", jar.toString()),
                e, home, logs.resolve(instance + ".log"));
        Worker w = new Worker(instance, port, p);
        pool.add(w);
        log("started " + instance + " (metrics on port " + port + ")");
        return w;
    }

    private void awaitReady(Worker w) throws InterruptedException {
        String url = "http://127.0.0.1:" + w.port() + "/q/health/ready";
        // Its own answer (the port was free a moment ago; on a shared machine another process may have taken it).
        if (!waitFor(() -> !w.process().alive() || get(url).map(body -> body.contains("\"" + w.instance() + "\"")
                && body.contains("\"UP\"")).orElse(false), Duration.ofMinutes(5)) || !w.process().alive()) {
            throw new IllegalStateException(w.instance() + " did not get ready (" + w.process().exitDescription()
                    + "); last lines of its log:\n" + w.process().tail(20));
        }
        log(w.instance() + " is ready");
    }

    /** The body of a 200 answer, or empty. */
    private static Optional<String> get(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(r.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** Request partition → the worker (instance id) that owns it now, from the pool's consumer group. */
    private Map<Integer, String> owners() {
        Map<Integer, String> owners = new LinkedHashMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            String group = "ncsn-sampler";
            for (MemberDescription m : admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS)
                    .get(group).members()) {
                String instance = m.clientId().replaceFirst("-requests$", "");
                m.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(Topics.GENERATION_REQUESTS))
                        .forEach(tp -> owners.put(tp.partition(), instance));
            }
        } catch (Exception e) {
            log("cannot describe the pool's group: " + e);
        }
        return owners;
    }

    /** Every request partition owned, by every worker of the pool: no rebalance is under way. */
    private boolean balanced() {
        Map<Integer, String> owners = owners();
        return owners.size() == TopicPlan.DEFAULT_REQUEST_PARTITIONS && pool.stream()
                .allMatch(w -> owners.containsValue(w.instance()));
    }

    /** The request partition of a job, as the producer's default partitioner puts its key. */
    private static int partition(String jobId) {
        return Utils.toPositive(Utils.murmur2(jobId.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                % TopicPlan.DEFAULT_REQUEST_PARTITIONS;
    }

    private void scrapeLoop() {
        while (!stopping) {
            scrapeAll();
            try {
                Thread.sleep(2000);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void scrapeAll() {
        for (Worker w : List.copyOf(pool)) {
            scrape(w);
        }
    }

    private void scrape(Worker w) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + w.port()
                    + "/q/metrics")).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200) {
                metrics.put(w.instance(), r.body());
            }
        } catch (IOException e) {
            // not up yet, or gone: the last figures stay
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized void stopAll() {
        if (stopping && infra.isEmpty() && pool.isEmpty()) {
            return;
        }
        stopping = true;
        for (Worker w : pool) {
            w.process().terminate();
        }
        for (Worker w : pool) {
            w.process().stop(Duration.ofSeconds(40));
        }
        pool.clear();
        if (frames != null) {
            frames.close();
            frames = null;
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
        for (int i = infra.size() - 1; i >= 0; i--) {
            infra.get(i).stop(Duration.ofSeconds(30));
        }
        infra.clear();
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private String bootstrap() {
        return "127.0.0.1:" + kafkaPort;
    }

    /** Polls until the condition holds, the given time passes or the whole run's deadline does. */
    private boolean waitFor(BooleanSupplier condition, Duration atMost) throws InterruptedException {
        long until = Math.min(deadline, System.nanoTime() + atMost.toNanos());
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > until) {
                return false;
            }
            Thread.sleep(200);
        }
        return true;
    }

    private void awaitLine(ChildProcess p, Path log, String line, Duration timeout) throws Exception {
        if (!waitFor(() -> !p.alive() || readLines(log).contains(line), timeout) || !p.alive()) {
            throw new IllegalStateException(p.name + " did not start (" + p.exitDescription() + "):\n" + p.tail(20));
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Map<String, String> lines(Path log) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : readLines(log)) {
            int eq = line.indexOf('=');
            if (eq > 0 && line.matches("[A-Z0-9_]+=.*")) {
                values.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return values;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static double round(double v) {
        return round(v, 3);
    }

    private static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }

    private static void log(String message) {
        System.err.println("ncsn chaos: " + message);
    }
}
