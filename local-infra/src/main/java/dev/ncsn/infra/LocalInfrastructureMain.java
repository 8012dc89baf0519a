package dev.ncsn.infra;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the embedded pair as a standalone process for local use, keeping its data across restarts.
 *
 * <pre>
 * local-infra/bin/local-infra --data .ncsn/infra [--kafka-port 9092] [--s3-port 9000]
 *     [--access-key KEY] [--secret-key KEY] [--bucket ncsn] [--topic NAME:PARTITIONS[:compact]]...
 *     [--env-file FILE]
 * </pre>
 *
 * When both servers accept clients it prints, one per line on standard output:
 * <pre>
 * KAFKA_BOOTSTRAP=127.0.0.1:9092
 * S3_ENDPOINT=http://127.0.0.1:9000
 * S3_ACCESS_KEY=ncsn
 * S3_SECRET_KEY=ncsn-secret
 * S3_BUCKET=ncsn
 * NCSN_INFRA_READY
 * </pre>
 * and, with {@code --env-file}, writes the services' environment variables
 * ({@code KAFKA_BOOTSTRAP_SERVERS=...}, {@code NCSN_S3_ENDPOINT=...}, ...) to that file, replaced
 * atomically and deleted again at shutdown. SIGTERM or SIGINT stops both servers cleanly (a
 * shutdown hook), printing {@code NCSN_INFRA_STOPPED}. With {@code --only kafka} (or {@code s3}) it runs that server
 * alone and prints only its lines: a broker that can be stopped and started again as its own process, on the same
 * port and data directory, while the store stays up.
 */
public final class LocalInfrastructureMain {

    /** The default data directory, relative to the working directory (ignored by git). */
    public static final String DEFAULT_DATA_DIR = ".ncsn/infra";

    private LocalInfrastructureMain() {
    }

    public static void main(String[] args) throws Exception {
        // The standalone class path carries slf4j-simple: WARN and above, on stderr.
        setIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");

        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("local-infra: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }
        if (options.help) {
            System.out.println(Options.USAGE);
            return;
        }

        long start = System.nanoTime();
        LocalInfrastructure infra = switch (options.only == null ? "" : options.only) {
            case "kafka" -> {
                EmbeddedKafka kafka = EmbeddedKafka.start(options.dataDir.resolve("kafka"), options.kafkaPort);
                yield new LocalInfrastructure(LocalInfrastructure.Mode.EMBEDDED, kafka.bootstrapServers(), "",
                        options.accessKey, options.secretKey, List.of(kafka), true);
            }
            case "s3" -> {
                EmbeddedS3 s3 = EmbeddedS3.start(options.dataDir.resolve("s3"), options.s3Port, options.accessKey,
                        options.secretKey);
                yield new LocalInfrastructure(LocalInfrastructure.Mode.EMBEDDED, "", s3.endpoint(), options.accessKey,
                        options.secretKey, List.of(s3), true);
            }
            default -> LocalInfrastructure.startEmbedded(options.dataDir, options.kafkaPort, options.s3Port,
                    options.accessKey, options.secretKey);
        };
        boolean withKafka = !"s3".equals(options.only);
        boolean withS3 = !"kafka".equals(options.only);
        CountDownLatch stopped = new CountDownLatch(1);
        PrintStream out = System.out;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                System.err.println("local-infra: stopping");
                infra.close();
                if (options.envFile != null) {
                    Files.deleteIfExists(options.envFile);
                }
                out.println("NCSN_INFRA_STOPPED");
                out.flush();
            } catch (Throwable e) {
                System.err.println("local-infra: unclean shutdown: " + e);
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "ncsn-infra-main-shutdown"));

        if (withS3) {
            infra.createBucket(options.bucket);
        }
        if (withKafka) {
            for (TopicSpec topic : options.topics) {
                infra.createTopic(topic);
            }
        }
        if (options.envFile != null) {
            Map<String, String> env = new LinkedHashMap<>(infra.environment(options.bucket));
            env.values().removeIf(String::isEmpty);
            writeEnvFile(options.envFile, env);
        }

        Map<String, String> lines = new LinkedHashMap<>();
        if (withKafka) {
            lines.put("KAFKA_BOOTSTRAP", infra.kafkaBootstrapServers());
        }
        if (withS3) {
            lines.put("S3_ENDPOINT", infra.s3Endpoint());
            lines.put("S3_ACCESS_KEY", infra.s3AccessKey());
            lines.put("S3_SECRET_KEY", infra.s3SecretKey());
            lines.put("S3_BUCKET", options.bucket);
        }
        lines.forEach((k, v) -> out.println(k + "=" + v));
        out.println("NCSN_INFRA_READY");
        out.flush();
        System.err.printf("local-infra: up in %d ms, data in %s; stop with SIGTERM or Ctrl-C%n",
                (System.nanoTime() - start) / 1_000_000, options.dataDir.toAbsolutePath());

        stopped.await();
    }

    private static void writeEnvFile(Path file, Map<String, String> env) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        StringBuilder text = new StringBuilder();
        env.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path tmp = Files.createTempFile(dir, ".local-infra-env", ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    static final class Options {

        static final String USAGE = """
                usage: local-infra [--data DIR] [--kafka-port PORT] [--s3-port PORT]
                                   [--access-key KEY] [--secret-key KEY] [--bucket NAME]
                                   [--topic NAME:PARTITIONS[:compact]]... [--env-file FILE] [--only kafka|s3]
                  --data DIR        data directory, kept across restarts (default %s)
                  --kafka-port N    Kafka client port on 127.0.0.1 (default: a free port)
                  --s3-port N       S3 port on 127.0.0.1 (default: a free port)
                  --access-key KEY  S3 access key (default %s)
                  --secret-key KEY  S3 secret key (default %s)
                  --bucket NAME     bucket to create if missing (default %s)
                  --topic SPEC      topic to create if missing, e.g. ncsn.frames:12 or ncsn.model-updates:1:compact
                  --env-file FILE   write the services' environment variables to FILE
                  --only kafka|s3   run only one of the two (e.g. to restart the broker as its own process)
                """.formatted(DEFAULT_DATA_DIR, LocalInfrastructure.DEFAULT_ACCESS_KEY,
                LocalInfrastructure.DEFAULT_SECRET_KEY, LocalInfrastructure.DEFAULT_BUCKET);

        Path dataDir = Paths.get(DEFAULT_DATA_DIR);
        int kafkaPort;
        int s3Port;
        String accessKey = LocalInfrastructure.DEFAULT_ACCESS_KEY;
        String secretKey = LocalInfrastructure.DEFAULT_SECRET_KEY;
        String bucket = LocalInfrastructure.DEFAULT_BUCKET;
        final List<TopicSpec> topics = new ArrayList<>();
        Path envFile;
        /** null: both; "kafka" or "s3": only that server. */
        String only;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                String value = null;
                int eq = arg.indexOf('=');
                if (arg.startsWith("--") && eq > 0) {
                    value = arg.substring(eq + 1);
                    arg = arg.substring(0, eq);
                }
                if (arg.equals("--help") || arg.equals("-h")) {
                    o.help = true;
                    continue;
                }
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(arg + " needs a value");
                    }
                    value = args[++i];
                }
                switch (arg) {
                    case "--data" -> o.dataDir = Paths.get(value);
                    case "--kafka-port" -> o.kafkaPort = port(arg, value);
                    case "--s3-port" -> o.s3Port = port(arg, value);
                    case "--access-key" -> o.accessKey = value;
                    case "--secret-key" -> o.secretKey = value;
                    case "--bucket" -> o.bucket = value;
                    case "--topic" -> o.topics.add(TopicSpec.parse(value));
                    case "--env-file" -> o.envFile = Paths.get(value);
                    case "--only" -> {
                        if (!value.equals("kafka") && !value.equals("s3")) {
                            throw new IllegalArgumentException("--only must be kafka or s3, not " + value);
                        }
                        o.only = value;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + arg);
                }
            }
            if (o.kafkaPort != 0 && o.kafkaPort == o.s3Port) {
                throw new IllegalArgumentException("--kafka-port and --s3-port must differ");
            }
            return o;
        }

        private static int port(String option, String value) {
            try {
                int port = Integer.parseInt(value);
                if (port < 0 || port > 65535) {
                    throw new NumberFormatException();
                }
                return port;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " must be a port number, not " + value);
            }
        }
    }
}
