package dev.ncsn.gateway;

import dev.ncsn.infra.InfrastructureTestResource;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.infra.fuzz.Gen;
import dev.ncsn.infra.fuzz.HeapAfterGc;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.SamplingParameters;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Generated HTTP requests against a gateway with keys (malformed and mistyped JSON, huge, negative and
 * non-finite numbers, bomb and oversized PNGs, broken multipart, path tricks, bad keys and tokens), and generated
 * poison records on the topics the gateway reads: no answer is a 5xx, and afterwards the gateway is still ready,
 * still answers a good request, and still follows a good job. Seeded (the test's own {@link Gen} generators, all
 * drawn up front from one seed), so a failure can be replayed; sized by system properties:
 *
 * <pre>
 * -Dncsn.fuzz.seed=42 -Dncsn.fuzz.requests=10000 -Dncsn.fuzz.records=500 -Dncsn.fuzz.threads=6
 * </pre>
 *
 * It prints the requests tried, the status codes and the peak heap.
 */
@QuarkusTest
@TestProfile(GatewayFuzzTest.Profile.class)
@WithTestResource(value = InfrastructureTestResource.class, initArgs = @ResourceArg(name = "topics",
        value = "fuzz.ncsn.generation-requests:2,fuzz.ncsn.inpainting-requests:2,fuzz.ncsn.frames:2,"
                + "fuzz.ncsn.control:1"))
class GatewayFuzzTest {

    static final String KEY = "fuzz-client-key-0123456789";
    static final String ADMIN = "fuzz-admin-key-0123456789";
    static final long SEED = Long.getLong("ncsn.fuzz.seed", 20261201L);
    static final int REQUESTS = Integer.getInteger("ncsn.fuzz.requests", 10_000);
    static final int RECORDS = Integer.getInteger("ncsn.fuzz.records", 500);
    static final int THREADS = Integer.getInteger("ncsn.fuzz.threads", 6);
    static final Duration DEADLINE = Duration.ofSeconds(Long.getLong("ncsn.fuzz.max-seconds", 240));
    /**
     * How much more heap than before the first request this JVM may hold right after any collection during the run
     * (the baseline, after a full collection, already holds the gateway, embedded Kafka and S3, and the drawn
     * requests, which grow with {@code ncsn.fuzz.requests}). Measured here: 194 MB before the first request and at
     * most 206 MB during the run, 12 MB more (6 collections); with the PNG size check taken out (pixels decoded
     * before the size is known) the same run held 4,254 MB, 4,060 MB more, and one 46,000 × 46,000 grey bomb alone is
     * a 2,116 MB raster. 256 MB is 20× the measured growth (room for slower machines, larger buffers, more
     * concurrency) and an eighth of one bomb.
     */
    static final long MAX_HEAP_GROWTH = Long.getLong("ncsn.fuzz.max-heap-growth-mb", 256) << 20;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Path file;
            try {
                file = Files.createTempFile("ncsn-fuzz-keys-", ".txt");
                file.toFile().deleteOnExit();
                Files.writeString(file, "client " + KEY + " generate\nops " + ADMIN + " admin\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.ofEntries(
                    Map.entry("ncsn.api-keys-file", file.toString()),
                    Map.entry("ncsn.gateway.sampler-group-id", "fuzz-no-workers"),
                    Map.entry("ncsn.gateway.backlog.max-depth", "40"),
                    Map.entry("ncsn.gateway.limits.concurrent-jobs", "1000"),
                    Map.entry("ncsn.gateway.limits.burst", "30"),
                    Map.entry("ncsn.gateway.topics.generation-requests", "fuzz.ncsn.generation-requests"),
                    Map.entry("ncsn.gateway.topics.inpainting-requests", "fuzz.ncsn.inpainting-requests"),
                    Map.entry("ncsn.gateway.topics.frames", "fuzz.ncsn.frames"),
                    Map.entry("ncsn.gateway.topics.control", "fuzz.ncsn.control"));
        }
    }

    /** One generated request. */
    record Fuzz(String method, String path, Map<String, String> headers, byte[] body) {
        @Override
        public String toString() {
            return method + " " + path + " " + headers + " body " + (body == null ? "none" : body.length + " B: "
                    + new String(body, 0, Math.min(body.length, 200), StandardCharsets.ISO_8859_1));
        }
    }

    @TestHTTPResource("/")
    URL base;

    private static final String[] FIELDS = {"count", "seed", "stepsPerLevel", "stepSize", "frameEvery",
            "denoisedPreview", "finalDenoise", "model", "image", "mask"};
    private static final byte[] GOOD_PNG = TestImages.png(TestImages.pattern(TestBackend.SIZE));
    private static final byte[] GOOD_MASK = TestImages.png(TestImages.rightHalf(TestBackend.SIZE));
    private static final byte[] BOMB = TestImages.declaredPng(46_000, 46_000);
    private static final byte[] WIDE = TestImages.declaredPng(Integer.MAX_VALUE, 1);
    private static final byte[] LARGE = TestImages.png(TestImages.pattern(1200));

    @BeforeAll
    static void model() {
        TestBackend.publishModel(LocalInfrastructure.shared());
    }

    // ---- generators

    static Gen<String> numbers() {
        return Gen.oneOf(
                Gen.ints().map(String::valueOf),
                Gen.longs().map(String::valueOf),
                Gen.ints(-3, 70).map(String::valueOf),
                Gen.doubles().map(String::valueOf),
                Gen.of("NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400", "0.5", "-0", "1.0",
                        "99999999999999999999999999999", "0x10", "01", "+1", ".5", "1e5", "4e-5", "1E+2"));
    }

    static Gen<String> strings() {
        return Gen.oneOf(
                Gen.strings(40).map(GatewayFuzzTest::quote),
                Gen.of("\"\"", "\"../../etc/passwd\"", "\"gateway-test-model\"", "\"fashion-mnist\"",
                        "\"%00\"", "\"\\u0000\"", "\"\\ud800\"", "\"" + "m".repeat(300) + "\"", "\"data:image/png;base64,\"",
                        "\"data:text/plain,hello\"", "\"" + b64(GOOD_PNG) + "\"", "\"" + b64(BOMB) + "\"",
                        "\"data:image/png;base64," + b64(WIDE) + "\"", "\"" + b64(LARGE) + "\"",
                        "\"%%%not base64%%%\"", "\"" + b64(GOOD_MASK) + "\""));
    }

    static Gen<String> values() {
        return Gen.lazyOf(
                GatewayFuzzTest::numbers,
                GatewayFuzzTest::strings,
                () -> Gen.of("true", "false", "null", "[]", "{}", "[1,2,3]", "{\"count\":1}", "tru", "nul"),
                () -> Gen.ints(1, 64).map(String::valueOf));
    }

    static Gen<String> fieldNames() {
        return Gen.oneOf(Gen.of(FIELDS), Gen.of(FIELDS), Gen.of(FIELDS),
                Gen.alphaStrings(1, 12), Gen.of("", "COUNT", "count ",
                        "__proto__", "constructor", "count\u0000"));
    }

    static Gen<String> jsonObjects() {
        Gen<String> member = Gen.combine(fieldNames(), values(), (k, v) -> quote(k) + ":" + v);
        Gen<String> object = member.list(12).map(m -> "{" + String.join(",", m) + "}");
        Gen<String> sensible = Gen.combine(Gen.ints(-2, 80), Gen.ints(-5, 2000), Gen.ints(-5, 2000),
                Gen.of("null", "4e-5", "0.02", "-1", "NaN", "1e-9"),
                (c, s, f, e) -> "{\"count\":" + c + ",\"stepsPerLevel\":" + s + ",\"frameEvery\":" + f
                        + (e.equals("NaN") ? "" : ",\"stepSize\":" + e) + "}");
        return Gen.oneOf(object, sensible, object.map(GatewayFuzzTest::mangle),
                Gen.of("", " ", "null", "[]", "\"count\"", "1", "{", "}", "{\"count\":1}{}",
                        "{\"count\":1,\"count\":2}", "[".repeat(5000) + "]".repeat(5000),
                        "{\"a\":" + "[".repeat(3000) + "]".repeat(3000) + "}", "{\"count\":1} trailing",
                        "\uFEFF{\"count\":1}", "{'count':1}", "{count:1}", "{\"count\":1,}"));
    }

    static String mangle(String json) {
        if (json.length() < 2) {
            return json + "\u0000";
        }
        int cut = Math.abs(json.hashCode() % json.length());
        return json.substring(0, cut) + (json.hashCode() % 2 == 0 ? "" : "\"\\x\"" + json.substring(cut));
    }

    static Gen<String> paths() {
        Gen<String> id = Gen.oneOf(Gen.of(UUID.randomUUID().toString(), "x", "..", "%2e%2e",
                "..%2f..%2fq%2fopenapi", "%00", "%ff%fe", "a".repeat(5000), "%C0%AE", "job%20id", ";", "*", "~"),
                Gen.strings(30).map(GatewayFuzzTest::encode));
        Gen<String> query = Gen.of("", "?limit=-1", "?limit=abc", "?limit=99999999999",
                "?limit=1&limit=2", "?sample=-1", "?sample=99999999999", "?sample=x", "?download=maybe",
                "?lastEventId=-5", "?lastEventId=abc", "?lastEventId=99999999999999999999", "?token=1.abc",
                "?token=" + "9".repeat(30) + ".x", "?api_key=" + KEY, "?%zz", "?&&=&");
        return Gen.oneOf(
                Gen.of("/v1/generations", "/v1/inpaintings", "/v1/jobs", "/v1/models", "/q/health/ready",
                        "/q/openapi", "/q/metrics", "/", "/app.js", "/v1", "/v1/", "//v1//generations",
                        "/v1/generations/", "/v1/../q/openapi", "/v1/%2e%2e/q/openapi", "/V1/JOBS",
                        "/v1/jobs/x/../../../etc/passwd", "/q/health/../openapi", "/q/dev", "/q/swagger-ui",
                        "/index.html%00", "/v1/models/../../q/openapi"),
                Gen.combine(id, Gen.of("", "/frames", "/result.png", "/x", "/frames/", "/result.PNG"),
                        query, (i, suffix, q) -> "/v1/jobs/" + i + suffix + q));
    }

    static Gen<byte[]> multipart() {
        Gen<String> partName = Gen.oneOf(Gen.of(FIELDS), Gen.of(FIELDS),
                Gen.of("colour", "", "image\"; filename=\"x", "count\r\nX: y"));
        Gen<byte[]> content = Gen.oneOf(values().map(v -> v.getBytes(StandardCharsets.UTF_8)),
                Gen.of(GOOD_PNG, GOOD_MASK, BOMB, WIDE, LARGE, new byte[0]),
                Gen.bytes(300));
        Gen<String> part = Gen.combine(partName, content, Gen.of(true, false),
                (name, bytes, file) -> "--B\r\nContent-Disposition: form-data; name=\"" + name + "\""
                        + (file ? "; filename=\"" + name + ".png\"\r\nContent-Type: image/png" : "") + "\r\n\r\n"
                        + new String(bytes, StandardCharsets.ISO_8859_1) + "\r\n");
        return Gen.combine(part.list(12), Gen.of("--B--\r\n", "", "--B", "--C--\r\n"),
                (parts, end) -> (String.join("", parts) + end).getBytes(StandardCharsets.ISO_8859_1));
    }

    static Gen<Fuzz> requests() {
        Gen<String> method = Gen.frequency(
                6, Gen.just("POST"), 4, Gen.just("GET"),
                1, Gen.of("PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"));
        Gen<String> key = Gen.frequency(
                12, Gen.just(KEY), 2, Gen.just(ADMIN),
                2, Gen.of("", "wrong-key-0123456789", KEY + " ", KEY.substring(1),
                        "k".repeat(20_000), "\u00e9\u00e8" + KEY),
                1, Gen.just((String) null));
        Gen<String> contentType = Gen.of("application/json", "application/json", "application/json",
                "multipart/form-data; boundary=B", "multipart/form-data; boundary=B", "multipart/form-data",
                "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16",
                "image/png", "*/*", "garbage", "");
        Gen<String> lastEventId = Gen.oneOf(Gen.just((String) null),
                Gen.just((String) null), Gen.of("-1", "-2", "x", "99999999999999999999", " 3 ", ""));
        Gen<byte[]> json = jsonObjects().map(s -> s.getBytes(StandardCharsets.UTF_8));
        Gen<byte[]> body = Gen.frequency(
                10, json, 3, multipart(),
                1, Gen.bytes(2000),
                1, Gen.just((byte[]) null));
        Gen<Fuzz> anything = Gen.combine(method, paths(), key, contentType, lastEventId, body,
                (m, p, k, ct, last, b) -> {
                    Map<String, String> h = new TreeMap<>();
                    if (k != null) {
                        h.put("X-API-Key", k);
                    }
                    if (!ct.isEmpty()) {
                        h.put("Content-Type", ct);
                    }
                    if (last != null) {
                        h.put("Last-Event-ID", last);
                    }
                    return new Fuzz(m, p, h, m.equals("GET") || m.equals("HEAD") || m.equals("OPTIONS")
                            || m.equals("TRACE") ? null : b);
                });
        return Gen.frequency(5, anything, 1, submissions());
    }

    /** Well-formed submissions with values near and over every limit, and images good, bombs or of other sizes. */
    static Gen<Fuzz> submissions() {
        Gen<String> image = Gen.of(b64(GOOD_PNG), b64(GOOD_PNG), b64(BOMB), b64(WIDE), b64(LARGE),
                "data:image/png;base64," + b64(GOOD_PNG), "AAAA", "");
        Gen<String> mask = Gen.of(b64(GOOD_MASK), b64(GOOD_MASK), b64(BOMB), b64(GOOD_PNG), "");
        Gen<String> fields = Gen.combine(Gen.ints(0, 70), Gen.ints(0, 1100), Gen.ints(0, 120),
                Gen.of("", ",\"stepSize\":4e-5", ",\"stepSize\":0.011", ",\"denoisedPreview\":true",
                        ",\"seed\":-9223372036854775808", ",\"model\":\"gateway-test-model\"", ",\"model\":\"nope\""),
                (c, steps, every, extra) -> "\"count\":" + c + ",\"stepsPerLevel\":" + steps
                        + ",\"frameEvery\":" + every + extra);
        Gen<Fuzz> generation = fields.map(f -> new Fuzz("POST", "/v1/generations",
                Map.of("X-API-Key", KEY, "Content-Type", "application/json"),
                ("{" + f + "}").getBytes(StandardCharsets.UTF_8)));
        Gen<Fuzz> inpainting = Gen.combine(fields, image, mask, (f, i, m) -> new Fuzz("POST",
                "/v1/inpaintings", Map.of("X-API-Key", KEY, "Content-Type", "application/json"),
                ("{" + f + ",\"image\":\"" + i + "\",\"mask\":\"" + m + "\"}").getBytes(StandardCharsets.UTF_8)));
        return Gen.oneOf(generation, generation, inpainting);
    }

    // ---- the run

    @Test
    void generatedRequestsNeverGetA5xxAndTheGatewayStaysReady() throws Exception {
        // Everything is drawn up front, from one seed, so a failing run can be replayed with -Dncsn.fuzz.seed.
        List<Fuzz> all = new ArrayList<>(REQUESTS);
        Gen<Fuzz> generator = requests();
        SplittableRandom random = new SplittableRandom(SEED);
        for (int i = 0; i < REQUESTS; i++) {
            all.add(generator.next(random));
        }
        List<String> poison = poisonValues();
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
                .version(HttpClient.Version.HTTP_1_1).build();
        String root = base.toString().replaceAll("/$", "");
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger sent = new AtomicInteger();
        AtomicLong peakHeap = new AtomicLong(usedHeap());
        HeapAfterGc heap = new HeapAfterGc();
        heap.collectOnce();
        long baseline = heap.peakBytes(); // the gateway, Kafka, S3 and the drawn requests, before the first one
        long started = System.nanoTime();
        long deadline = started + DEADLINE.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int first = t;
                futures.add(pool.submit(() -> {
                    for (int i = first; i < all.size() && System.nanoTime() < deadline && failures.size() < 20;
                         i += THREADS) {
                        Fuzz f = all.get(i);
                        int status = send(client, root, f);
                        sent.incrementAndGet();
                        statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
                        // 0: the connection was dropped. Vert.x does that, by design, to a request whose headers
                        // are not valid HTTP (non-ASCII, over its header limit); anything else is a failure.
                        boolean invalidHeaders = f.headers().values().stream()
                                .anyMatch(v -> v.length() > 8000 || !v.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f));
                        if (status >= 500 || (status < 100 && !invalidHeaders)) {
                            failures.add(status + " for request " + i + ": " + f);
                        }
                        if (i % 200 == 0) {
                            peakHeap.accumulateAndGet(usedHeap(), Math::max);
                        }
                    }
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        int records = poisonRecords(poison);
        heap.collectOnce();
        heap.close();
        System.out.printf("fuzz: seed %d, %d requests in %.1f s (%.0f/s), %d poison records; status codes %s; "
                        + "peak heap %d MB (max %d MB); heap after GC %d MB before the run, at most %d MB during it "
                        + "(%d collections)%n", SEED, sent.get(), seconds, sent.get() / seconds, records,
                new TreeMap<>(statuses), peakHeap.get() >> 20, Runtime.getRuntime().maxMemory() >> 20,
                baseline >> 20, heap.peakBytes() >> 20, heap.collections());
        assertEquals(List.of(), failures, "no request may get a 5xx");
        assertTrue(heap.peakBytes() - baseline <= MAX_HEAP_GROWTH, "memory stays bounded: at most "
                + (MAX_HEAP_GROWTH >> 20) + " MB more live after any collection than before the run, got "
                + (heap.peakBytes() >> 20) + " MB against " + (baseline >> 20) + " MB");
        assertEquals(REQUESTS, sent.get(), "all requests within " + DEADLINE.toSeconds() + " s");
        assertTrue(statuses.containsKey(202) && statuses.containsKey(400) && statuses.containsKey(422)
                && statuses.containsKey(401) && statuses.containsKey(404), "the generators reach every kind of "
                + "answer: " + statuses);

        // Still ready, still serving, still following jobs from the topics.
        Http http = new Http(root, KEY);
        assertEquals(200, http.get("/q/health/ready").statusCode(), http.get("/q/health/ready").body());
        assertEquals(200, http.get("/q/health/live").statusCode());
        String job = "after-fuzz-" + UUID.randomUUID();
        try (KafkaProducer<String, String> producer = producer()) {
            producer.send(new ProducerRecord<>("fuzz.ncsn.generation-requests", job, Contracts.encode(
                    new GenerationRequest(job, TestBackend.MODEL, new SamplingParameters(1, 1L, 1, null, 1, null,
                            null), Instant.now())))).get();
            for (JobEvent e : JobRegistryTest.run(job, 21)) {
                producer.send(new ProducerRecord<>("fuzz.ncsn.frames", job, Contracts.encode(e))).get();
            }
        }
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String status = "";
        while (System.nanoTime() < until) {
            HttpResponse<String> r = http.get("/v1/jobs/" + job);
            status = r.statusCode() == 200 ? Http.json(r).get("status").asText() : String.valueOf(r.statusCode());
            if (status.equals("done")) {
                break;
            }
            TestBackend.sleep(50);
        }
        assertEquals("done", status, "a good job is still followed after the poison records");
    }

    private static int send(HttpClient client, String root, Fuzz f) {
        URI uri;
        try {
            uri = URI.create(root + f.path());
        } catch (IllegalArgumentException e) {
            // A path the client itself cannot send (e.g. a raw '%zz'): percent-encode it as a browser would.
            uri = URI.create(root + encodePath(f.path()));
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri);
        b.timeout(Duration.ofSeconds(30));
        f.headers().forEach((k, v) -> {
            try {
                b.header(k, v);
            } catch (IllegalArgumentException e) {
                // a header value the client refuses to send (control characters)
            }
        });
        b.method(f.method(), f.body() == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(f.body()));
        HttpRequest request = b.build();
        // A kept-alive connection the server closed after an earlier answer fails the next request on it; the
        // client retries only idempotent requests by itself, so a POST is retried here, as real clients do.
        for (int attempt = 0; ; attempt++) {
            try {
                return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                if (attempt == 2) {
                    return 0;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 0;
            }
        }
    }

    /** Poison records on every topic the gateway reads: generated JSON, wrong types, huge numbers, junk bytes. */
    private static List<String> poisonValues() {
        SplittableRandom random = new SplittableRandom(SEED + 1);
        Gen<String> events = Gen.oneOf(jsonObjects(),
                Gen.combine(Gen.of("frame", "done", "failed", "cancelled", "started", "", "FRAME"),
                        Gen.longs(), Gen.ints(), values(),
                        (type, seq, level, v) -> "{\"type\":\"" + type + "\",\"jobId\":\"poison\",\"sequence\":"
                                + seq + ",\"level\":" + level + ",\"levels\":" + v + ",\"image\":" + v + "}"),
                Gen.strings(500));
        List<String> values = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            values.add(events.next(random));
        }
        return values;
    }

    /** Each value on every topic the gateway reads, keyed by a few job ids or by none. */
    private static int poisonRecords(List<String> values) throws Exception {
        Random random = new Random(SEED + 2);
        int n = 0;
        try (KafkaProducer<String, String> producer = producer()) {
            for (String v : values) {
                for (String topic : List.of("fuzz.ncsn.frames", "fuzz.ncsn.generation-requests",
                        "fuzz.ncsn.inpainting-requests")) {
                    String key = random.nextInt(4) == 0 ? null : "poison-" + random.nextInt(20);
                    producer.send(new ProducerRecord<>(topic, key, v));
                    n++;
                }
            }
            producer.flush();
        }
        return n;
    }

    private static KafkaProducer<String, String> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalInfrastructure.shared().kafkaBootstrapServers()), new StringSerializer(), new StringSerializer());
    }

    private static long usedHeap() {
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                used += pool.getUsage().getUsed();
            }
        }
        return used;
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String encodePath(String path) {
        StringBuilder b = new StringBuilder();
        for (byte c : path.getBytes(StandardCharsets.UTF_8)) {
            int u = c & 0xff;
            if (u > 0x20 && u < 0x7f && u != '%' && u != '"' && u != '<' && u != '>' && u != '\\' && u != '^'
                    && u != '`' && u != '{' && u != '|' && u != '}') {
                b.append((char) u);
            } else {
                b.append('%').append(String.format("%02X", u));
            }
        }
        return b.toString();
    }

    private static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
