package dev.ncsn.sampler;

import dev.ncsn.sampler.core.SamplerFixture;
import dev.ncsn.sampler.core.TestModels;

import dev.ncsn.infra.InfrastructureTestResource;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.infra.TopicReader;
import dev.ncsn.infra.fuzz.Gen;
import dev.ncsn.infra.fuzz.HeapAfterGc;
import dev.ncsn.model.contract.CancelRequest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.DeadLetter;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.InpaintingRequest;
import dev.ncsn.model.contract.JobEvent;
import dev.ncsn.model.contract.ModelUpdate;
import dev.ncsn.model.store.ModelStore;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Generated poison records on every topic the sampler reads, through the service's own consumers (the request
 * consumer, the SmallRye control and model-update channels): malformed and mistyped JSON, huge, negative and
 * non-finite numbers, values out of every range, unknown fields, samplers, options and models, keys that are not
 * the job id, over-long job ids, records over the request size limit, bad base64, bomb and wrong-size PNGs and
 * empty masks in inpaintings, junk bytes, null keys and values. Every refused record gets a dead letter with a
 * reason (the one its family expects), every request keyed by a job id also a {@code failed} event with the same
 * reason; the worker stays live and ready on the same model version, commits past every record, and then completes
 * a good generation and a good inpainting.
 *
 * <p>Seeded and bounded, the test's own {@link Gen} generators (as the gateway's fuzz suite), sized by system
 * properties: {@code -Dncsn.fuzz.seed=… -Dncsn.fuzz.records=N} (per topic) {@code -Dncsn.fuzz.max-seconds=…}. It
 * prints the records sent per topic and family, the dead letters, the largest record and the peak heap.
 *
 * <p>The request and control topics are created here with an 8 MiB message limit, as a deployment might, so that
 * records over the sampler's own limit ({@link Contracts#MAX_REQUEST_CHARS}) reach it; the dead-letter topic keeps
 * the plan's default limit, which every dead letter must fit.
 */
@QuarkusTest
@TestProfile(SamplerPoisonFuzzTest.Profile.class)
@WithTestResource(value = InfrastructureTestResource.class, initArgs = @ResourceArg(
        name = InfrastructureTestResource.TOPICS_ARG,
        value = "fuzz.ncsn.generation-requests:2:max.message.bytes=8388608,"
                + "fuzz.ncsn.inpainting-requests:2:max.message.bytes=8388608,"
                + "fuzz.ncsn.control:1:max.message.bytes=8388608,"
                + "fuzz.ncsn.model-updates:1:compact:max.message.bytes=8388608"))
class SamplerPoisonFuzzTest {

    static final long SEED = Long.getLong("ncsn.fuzz.seed", 20261202L);
    static final int RECORDS = Integer.getInteger("ncsn.fuzz.records", 150);
    static final Duration DEADLINE = Duration.ofSeconds(Long.getLong("ncsn.fuzz.max-seconds", 240));

    /**
     * How much more heap than before the poison this JVM may hold right after any collection while the poison is
     * read (the baseline, after a full collection, already holds the sampler with its network, embedded Kafka and S3,
     * whatever test classes ran before in this JVM, and the drawn records, which grow with {@code ncsn.fuzz.records}).
     * Measured here: 16 to 37 MB more with the default size, 73 MB more with 1,000 draws per topic group (records of
     * up to 4.6 MB; one poll may hold 64 of them); with the PNG size check taken out 2,047 MB more, and one
     * 46,000 × 46,000 grey bomb decoded is a 2,116 MB raster. 512 MB is 7× the largest measured growth and a quarter of
     * one bomb.
     */
    static final long MAX_HEAP_GROWTH = Long.getLong("ncsn.fuzz.max-heap-growth-mb", 512) << 20;

    static final String MODEL = "fuzz-model";
    static final String GENERATIONS = "fuzz.ncsn.generation-requests";
    static final String INPAINTINGS = "fuzz.ncsn.inpainting-requests";
    static final String FRAMES = "fuzz.ncsn.frames";
    static final String CONTROL = "fuzz.ncsn.control";
    static final String UPDATES = "fuzz.ncsn.model-updates";
    static final String DEAD_LETTERS = "fuzz.ncsn.dead-letter";
    static final int SIZE = 8; // TestModels' network: 8×8, one channel

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "ncsn.sampler.models", MODEL,
                    "ncsn.sampler.group-id", "fuzz-sampler",
                    "ncsn.sampler.topics.generation-requests", GENERATIONS,
                    "ncsn.sampler.topics.inpainting-requests", INPAINTINGS,
                    "ncsn.sampler.topics.frames", FRAMES,
                    "ncsn.sampler.topics.control", CONTROL,
                    "ncsn.sampler.topics.model-updates", UPDATES,
                    "ncsn.sampler.topics.dead-letter", DEAD_LETTERS);
        }
    }

    @Inject
    SamplerService service;

    @TestHTTPResource("/q/health/ready")
    URL ready;

    @TestHTTPResource("/q/health/live")
    URL live;

    /** What a poison record should get. */
    enum Expect { DEAD_LETTER, NOTHING }

    /**
     * One generated record.
     *
     * @param family what kind of poison, for the figures and messages
     * @param reason a fragment its dead letter's reason must contain; null where the reason is not predictable
     */
    record Poison(String family, String topic, byte[] key, byte[] value, Expect expect, String reason) {
        String keyText() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }

        String valueText() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String v = valueText();
            return family + " on " + topic + " key " + (key == null ? "null" : abbreviate(keyText())) + " value "
                    + (v == null ? "null" : v.length() + " chars: " + abbreviate(v));
        }
    }

    /** A poison record as sent: where it landed. */
    record Sent(Poison poison, int partition, long offset) {
        String position() {
            return poison.topic() + "-" + partition + "@" + offset;
        }
    }

    // ---- images

    private static final byte[] GOOD_IMAGE = png(pattern(SIZE, SIZE));
    private static final byte[] GOOD_MASK = png(rightHalf(SIZE));
    private static final byte[] BLACK_MASK = png(new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY));
    private static final byte[] BOMB = declaredPng(46_000, 46_000);
    private static final byte[] WIDE = declaredPng(Integer.MAX_VALUE, 1);

    // ---- generators: every request record is refused by construction, so none runs a job

    /** A request body: its JSON given the job id. */
    @FunctionalInterface
    interface Body extends Function<String, String> {
    }

    /** Generates one record given its index (unique keys and job ids: p-INDEX). */
    @FunctionalInterface
    interface Draw extends Function<Integer, Poison> {
    }

    static String parameters(String count, String steps, String frameEvery, String extra) {
        return "{\"count\":" + count + ",\"stepsPerLevel\":" + steps + ",\"frameEvery\":" + frameEvery + extra + "}";
    }

    static String generation(String id, String parameters, String extra) {
        return "{\"jobId\":" + quote(id) + ",\"parameters\":" + parameters + extra + "}";
    }

    static String inpainting(String id, String parameters, String image, String mask) {
        return "{\"jobId\":" + quote(id) + ",\"parameters\":" + parameters + (image == null ? "" : ",\"image\":" + image)
                + (mask == null ? "" : ",\"mask\":" + mask) + "}";
    }

    static final String CHEAP = parameters("1", "1", "1", "");

    /** The JSON type a field must have. */
    enum Kind { INTEGER, NUMBER, BOOLEAN, STRING, OBJECT, INSTANT }

    /** Values of every JSON type but the field's own (an integer is a fine number, a number a fine instant). */
    static Gen<String> wrongValues(Kind kind) {
        Gen<String> strings = Gen.oneOf(Gen.of("\"4\"", "\"\"", "\"true\"", "\"NaN\"", "\"1.5\""),
                Gen.strings(12).map(SamplerPoisonFuzzTest::quote));
        Gen<String> integers = Gen.oneOf(Gen.of("7", "0", "-1"), Gen.longs().map(String::valueOf));
        Gen<String> fractions = Gen.of("1.5", "-0.5", "1e3", "4.0E-5", "1.0");
        Gen<String> booleans = Gen.of("true", "false");
        Gen<String> arrays = Gen.of("[]", "[1]", "[\"a\"]", "[[]]");
        Gen<String> objects = Gen.of("{}", "{\"count\":1}", "{\"a\":[]}");
        List<Gen<String>> wrong = new ArrayList<>(List.of(arrays));
        if (kind == Kind.NUMBER) {
            // Jackson reads the text "NaN" (and "Infinity") as that double even without coercion; the range check
            // then refuses it (the out-of-range family sends it).
            wrong.add(strings.filter(s -> !s.contains("NaN") && !s.contains("Infinity")));
        } else if (kind == Kind.INSTANT) {
            // A number in a string is an instant (epoch seconds) to Jackson's Java time module, as a number is.
            wrong.add(strings.filter(s -> !s.matches("\"\\s*[-+]?[0-9.eE+-]+\\s*\"")));
        } else if (kind != Kind.STRING) {
            wrong.add(strings);
        }
        if (kind != Kind.INTEGER && kind != Kind.NUMBER && kind != Kind.INSTANT) {
            wrong.add(integers);
        }
        if (kind != Kind.NUMBER && kind != Kind.INSTANT) {
            wrong.add(fractions);
        }
        if (kind != Kind.BOOLEAN) {
            wrong.add(booleans);
        }
        if (kind != Kind.OBJECT) {
            wrong.add(objects);
        }
        int[] weights = new int[wrong.size()];
        Arrays.fill(weights, 1);
        return Gen.weighted(weights, wrong);
    }

    /**
     * Text that parsers get wrong, sent once on every topic besides being drawn (the way property-testing libraries
     * try edge cases first): it would be rare among the random draws, and one of them ({@code null}) used to end
     * the request consumer's thread.
     */
    static final String[] FIXED_MALFORMED = {"{", "}", "[", "{\"jobId\":", "{'jobId':'x'}", "{jobId:1}",
            "{\"jobId\":\"x\",}", "{\"jobId\":\"x\" \"parameters\":{}}", "{\"parameters\":{\"count\":NaN}}",
            "{\"parameters\":{\"count\":Infinity}}", "{\"parameters\":{\"stepSize\":-Infinity}}",
            "{\"parameters\":{\"count\":0x10}}", "{\"parameters\":{\"count\":01}}", "{\"parameters\":{\"count\":+1}}",
            "{\"parameters\":{\"count\":.5}}", "[".repeat(5000) + "]".repeat(5000),
            "{\"a\":" + "[".repeat(3000) + "]".repeat(3000) + "}", "\"just a string\"", "42", "-1", "true", "null",
            "[]", "{}", "[{}]", "[null]", " ", "\t\n", "\u0000", "\uFEFF"};

    /** Malformed text: cut, unbalanced, non-JSON tokens, deep nesting, duplicates, trailing content. */
    static Gen<String> malformed(Body base) {
        return Gen.oneOf(
                Gen.combine(Gen.ints(0, 400), Gen.just(base), (cut, b) -> {
                    String json = b.apply("m");
                    return json.substring(0, Math.min(cut, json.length() - 1));
                }),
                Gen.of(FIXED_MALFORMED),
                Gen.just(base).map(b -> b.apply("dup") + " trailing"),
                Gen.just(base).map(b -> b.apply("dup").replaceFirst("\\{", "{\"jobId\":\"other\",")),
                Gen.just(base).map(b -> "\uFEFF" + b.apply("bom") + "}"),
                Gen.strings(300));
    }

    /** Every family of bad generation and inpainting requests. */
    static Gen<Draw> requests() {
        Gen<Draw> malformed = Gen.combine(malformed(id -> generation(id, CHEAP, "")), Gen.of(GENERATIONS, INPAINTINGS),
                (text, topic) -> i -> keyed("malformed", topic, "p-" + i, text, null));
        Gen<Draw> junk = Gen.combine(Gen.bytes(3000), Gen.of(GENERATIONS, INPAINTINGS), Gen.of(true, false),
                (bytes, topic, keyless) -> i -> new Poison("junk bytes", topic,
                        keyless ? null : ("p-" + i).getBytes(StandardCharsets.UTF_8), bytes, Expect.DEAD_LETTER, null));
        Gen<Draw> nothing = Gen.combine(Gen.of(GENERATIONS, INPAINTINGS), Gen.of(new byte[0], null),
                (topic, value) -> i -> new Poison("empty or null value", topic,
                        ("p-" + i).getBytes(StandardCharsets.UTF_8), value, Expect.DEAD_LETTER, "empty message"));

        // One field of the wrong type (see wrongType).
        Map<String, Kind> fields = new java.util.LinkedHashMap<>();
        for (String f : List.of("count", "stepsPerLevel", "frameEvery", "seed", "levels")) {
            fields.put(f, Kind.INTEGER);
        }
        fields.put("stepSize", Kind.NUMBER);
        fields.put("denoisedPreview", Kind.BOOLEAN);
        fields.put("finalDenoise", Kind.BOOLEAN);
        for (String f : List.of("sampler", "jobId", "model")) {
            fields.put(f, Kind.STRING);
        }
        fields.put("samplerOptions", Kind.OBJECT);
        fields.put("parameters", Kind.OBJECT);
        fields.put("submittedAt", Kind.INSTANT);
        List<Gen<Draw>> perField = new ArrayList<>();
        fields.forEach((field, kind) -> perField.add(wrongValues(kind).map(value -> i -> wrongType(i, field, value))));
        int[] equal = new int[perField.size()];
        Arrays.fill(equal, 1);
        Gen<Draw> wrongType = Gen.weighted(equal, perField);

        Gen<Draw> outOfRange = Gen.oneOf(
                Gen.oneOf(Gen.ints(Integer.MIN_VALUE, 0), Gen.ints(65, Integer.MAX_VALUE)).map(c -> range(
                        parameters(String.valueOf(c), "1", "1", ""), "count must be between 1 and 64")),
                Gen.oneOf(Gen.ints(Integer.MIN_VALUE, 0), Gen.ints(1001, Integer.MAX_VALUE)).map(s -> range(
                        parameters("1", String.valueOf(s), "1", ""), "stepsPerLevel must be between 1 and 1000")),
                Gen.oneOf(Gen.doubles().map(d -> Double.isFinite(d) && d <= 0 ? d : -Math.abs(d) - 1e-300),
                        Gen.of(0.0100001, 0.5, 1.0, 1e300, Double.MAX_VALUE)).map(e -> range(
                        parameters("1", "1", "1", ",\"stepSize\":" + (Double.isFinite(e) ? e : -1.0)),
                        "stepSize must be in")),
                Gen.of("\"NaN\"", "\"Infinity\"", "\"-Infinity\"").map(e -> range(
                        parameters("1", "1", "1", ",\"stepSize\":" + e), "stepSize must be in")),
                Gen.ints(Integer.MIN_VALUE, 0).map(f -> range(parameters("1", "1", String.valueOf(f), ""),
                        "frameEvery must be at least")),
                Gen.ints(51, 1000).map(s -> range(parameters("1", String.valueOf(s), "1", ""),
                        "frames per level")),
                Gen.ints(33, 64).map(c -> range(parameters(String.valueOf(c), "1000", "20", ""),
                        "count × stepsPerLevel must be at most 32000")),
                Gen.oneOf(Gen.ints(Integer.MIN_VALUE, 0), Gen.ints(1001, Integer.MAX_VALUE)).map(l -> range(
                        parameters("1", "1", "1", ",\"levels\":" + l), "levels must be between 1 and 1000")),
                Gen.ints(2, 1000).filter(l -> l != 10).map(l -> range(parameters("1", "1", "1", ",\"levels\":" + l),
                        "needs a network that accepts any σ")),
                Gen.of("99999999999999999999", "-99999999999999999999", "1e400", "1E+10")
                        .map(n -> range(parameters(n, "1", "1", ""), null)));

        Gen<Draw> unknownField = Gen.combine(Gen.alphaStrings(1, 20).map(s -> "zz" + s), Gen.of(true, false),
                (name, nested) -> i -> {
                    String id = "p-" + i;
                    String body = nested ? generation(id, parameters("1", "1", "1", "," + quote(name) + ":1"), "")
                            : generation(id, CHEAP, "," + quote(name) + ":{\"x\":[1,2]}");
                    return keyed("unknown field", GENERATIONS, id, body, "unknown field \"" + name + "\"");
                });

        Gen<Draw> sampler = Gen.oneOf(
                Gen.alphaStrings(1, 30).map(s -> (Draw) i -> keyed("unknown sampler", GENERATIONS, "p-" + i,
                        generation("p-" + i, parameters("1", "1", "1", ",\"sampler\":" + quote("zz-" + s)), ""),
                        "unknown sampler \"zz-" + s + "\"")),
                Gen.alphaStrings(1, 20).map(s -> (Draw) i -> keyed("unknown sampler option", GENERATIONS, "p-" + i,
                        generation("p-" + i, parameters("1", "1", "1", ",\"sampler\":\"predictor-corrector\","
                                + "\"samplerOptions\":{" + quote("zz" + s) + ":1}"), ""), "zz" + s)),
                // (null is the option's default, as an absent option.)
                Gen.of("-1", "0", "1e9", "10.5", "\"x\"", "true", "[]", "\"NaN\"").map(v -> (Draw) i -> keyed(
                        "sampler option out of bounds", GENERATIONS, "p-" + i, generation("p-" + i, parameters("1", "1",
                                "1", ",\"sampler\":\"predictor-corrector\",\"samplerOptions\":{\"snr\":" + v + "}"), ""),
                        "snr")),
                // (A string holding a number is a number here, as on the command line and at the gateway.)
                Gen.of("-1", "101", "1.5", "\"2.5\"", "\"x\"").map(v -> (Draw) i -> keyed("sampler option out of bounds",
                        GENERATIONS, "p-" + i, generation("p-" + i, parameters("1", "1", "1",
                                ",\"sampler\":\"predictor-corrector\",\"samplerOptions\":{\"correctorSteps\":" + v + "}"),
                                ""), "correctorSteps")));

        Gen<Draw> key = Gen.oneOf(
                Gen.strings(60).map(k -> (Draw) i -> new Poison("key is not the job id", GENERATIONS,
                        ("k" + k).getBytes(StandardCharsets.UTF_8), utf8(generation("p-" + i, CHEAP, "")),
                        Expect.DEAD_LETTER, "is not the job id")),
                Gen.ints(129, 20_000).map(n -> (Draw) i -> new Poison("huge key", GENERATIONS,
                        "k".repeat(n).getBytes(StandardCharsets.UTF_8), utf8(generation("p-" + i, CHEAP, "")),
                        Expect.DEAD_LETTER, "is not the job id")),
                Gen.bytes(64).map(k -> (Draw) i -> new Poison("junk key", GENERATIONS, k.length == 0 ? new byte[] {1} : k,
                        utf8(generation("p-" + i, CHEAP, "")), Expect.DEAD_LETTER, "is not the job id")));

        Gen<Draw> longJobId = Gen.ints(129, 5000).map(n -> i -> {
            String id = "p-" + i + "-" + "x".repeat(n);
            return keyed("over-long job id", GENERATIONS, id, generation(id, CHEAP, ""), "jobId must be at most 128");
        });

        Gen<Draw> model = Gen.oneOf(Gen.alphaStrings(1, 30).map(s -> "zz-" + s),
                        Gen.of("../" + MODEL, MODEL + "/../x", MODEL.toUpperCase(), MODEL + " ", "%2e%2e", "m".repeat(3000)))
                .map(m -> i -> keyed("unknown model", GENERATIONS, "p-" + i,
                        generation("p-" + i, CHEAP, ",\"model\":" + quote(m)), "is not served by this sampler pool"));

        Gen<Draw> badImages = Gen.oneOf(
                Gen.of(imageCase("image", "\"%%%not base64%%%\"", b64(GOOD_MASK), "image"),
                        imageCase("image", "\"\"", b64(GOOD_MASK), "image is missing"),
                        imageCase("image", null, b64(GOOD_MASK), "image is missing"),
                        imageCase("mask", b64(GOOD_IMAGE), null, "mask is missing"),
                        imageCase("bomb", b64(BOMB), b64(GOOD_MASK), "46000×46000 pixels"),
                        imageCase("bomb", b64(GOOD_IMAGE), b64(BOMB), "46000×46000 pixels"),
                        imageCase("wide", b64(WIDE), b64(GOOD_MASK), "2147483647×1 pixels"),
                        imageCase("empty mask", b64(GOOD_IMAGE), b64(BLACK_MASK), "mask marks no pixel"),
                        imageCase("data URL", "\"data:image/png;base64," + b64(GOOD_IMAGE).substring(1), b64(GOOD_MASK),
                                "image"),
                        imageCase("cut PNG", quote(Base64.getEncoder().encodeToString(Arrays.copyOf(GOOD_IMAGE,
                                GOOD_IMAGE.length / 2))), b64(GOOD_MASK), "image"),
                        imageCase("image type", "7", b64(GOOD_MASK), "image"),
                        imageCase("mask type", b64(GOOD_IMAGE), "[1,2]", "mask"),
                        imageCase("generation on the inpainting topic", null, null, "image is missing")),
                Gen.combine(Gen.ints(1, 40), Gen.ints(1, 40), (w, h) -> w == SIZE && h == SIZE
                        ? imageCase("wrong size", b64(png(pattern(9, 9))), b64(GOOD_MASK), "9×9 pixels")
                        : imageCase("wrong size", b64(png(pattern(w, h))), b64(GOOD_MASK), w + "×" + h + " pixels")),
                Gen.bytes(400).map(b -> imageCase("junk image", quote(Base64.getEncoder().encodeToString(b)),
                        b64(GOOD_MASK), "image")),
                Gen.bytes(400).map(b -> imageCase("junk mask", b64(GOOD_IMAGE),
                        quote(Base64.getEncoder().encodeToString(b)), "mask")));

        // Over the size limit (refused unread), and large but within it (read, then refused for the image).
        Gen<Draw> oversized = Gen.oneOf(
                Gen.ints(Contracts.MAX_REQUEST_CHARS + 1, Contracts.MAX_REQUEST_CHARS + 400_000).map(n -> i -> keyed(
                        "over the size limit", INPAINTINGS, "p-" + i, pad(inpainting("p-" + i, CHEAP, b64(GOOD_IMAGE),
                                b64(GOOD_MASK)), n), "over the limit of " + Contracts.MAX_REQUEST_CHARS)),
                Gen.ints(500_000, 2_000_000).map(n -> i -> keyed("large image", INPAINTINGS, "p-" + i,
                        inpainting("p-" + i, CHEAP, quote("A".repeat(n)), b64(GOOD_MASK)), "image")));

        return Gen.weighted(new int[] {6, 3, 1, 6, 8, 3, 4, 3, 1, 2, 3, 6, 1},
                List.of(malformed, junk, nothing, wrongType, outOfRange, unknownField, sampler, key, longJobId, model,
                        Gen.strings(400).map(s -> (Draw) i -> keyed("text", GENERATIONS, "p-" + i, s, null)),
                        badImages, oversized));
    }

    /**
     * A request with one field of the wrong type. A trailing unknown field makes sure it is refused even if the type
     * were accepted, and then the reason (it would name the guard, not the field) fails the check.
     */
    private static Poison wrongType(int i, String field, String value) {
        String id = "p-" + i;
        Map<String, String> top = new java.util.LinkedHashMap<>();
        top.put("jobId", quote(id));
        top.put("model", quote(MODEL));
        Map<String, String> p = new java.util.LinkedHashMap<>();
        p.put("count", "1");
        p.put("stepsPerLevel", "1");
        p.put("frameEvery", "1");
        (top.containsKey(field) || field.equals("parameters") || field.equals("submittedAt") ? top : p).put(field, value);
        if (!field.equals("parameters")) {
            top.put("parameters", object(p));
        }
        top.put("zzPoisonGuard", "1");
        return keyed("wrong type of " + field, GENERATIONS, id, object(top), field);
    }

    private static Draw range(String parameters, String reason) {
        return i -> keyed("out of range", GENERATIONS, "p-" + i, generation("p-" + i, parameters, ""), reason);
    }

    private static Draw imageCase(String what, String image, String mask, String reason) {
        return i -> keyed("inpainting: " + what, INPAINTINGS, "p-" + i, inpainting("p-" + i, CHEAP, image, mask),
                reason);
    }

    /** Cancels: all refused but the last family, well-formed cancels of jobs nobody runs. */
    static Gen<Draw> cancels() {
        Gen<String> body = Gen.oneOf(
                malformed(id -> "{\"jobId\":" + quote(id) + "}"),
                wrongValues(Kind.STRING).map(v -> "{\"jobId\":" + v + "}"),
                Gen.alphaStrings(1, 12).map(s -> "{\"jobId\":\"x\",\"zz" + s + "\":1}"),
                Gen.of("{}", "{\"jobId\":\"\"}", "{\"jobId\":\"   \"}", "{\"jobId\":null}", "{\"requestedAt\":\"x\"}"),
                Gen.ints(129, 10_000).map(n -> "{\"jobId\":\"" + "c".repeat(n) + "\"}"),
                Gen.strings(200));
        Gen<Draw> refused = Gen.combine(body, Gen.of(0, 1, 2, 3),
                (text, keyMode) -> i -> new Poison("bad cancel", CONTROL, key(keyMode, i), utf8(text), Expect.DEAD_LETTER,
                        "invalid cancel request"));
        Gen<Draw> junk = Gen.combine(Gen.bytes(2000), Gen.of(0, 1, 2),
                (bytes, keyMode) -> i -> new Poison("junk cancel", CONTROL, key(keyMode, i), bytes, Expect.DEAD_LETTER,
                        "invalid cancel request"));
        Gen<Draw> empty = Gen.of(new byte[0], null).map(v -> i -> new Poison("empty cancel", CONTROL, key(0, i), v,
                Expect.DEAD_LETTER, "invalid cancel request: empty message"));
        Gen<Draw> oversized = Gen.ints(Contracts.MAX_REQUEST_CHARS + 1, Contracts.MAX_REQUEST_CHARS + 100_000)
                .map(n -> i -> new Poison("oversized cancel", CONTROL, key(0, i),
                        utf8(pad("{\"jobId\":\"p-" + i + "\"}", n)), Expect.DEAD_LETTER, "over the limit"));
        Gen<Draw> unknownJob = Gen.just(i -> new Poison("cancel of an unknown job", CONTROL, key(0, i),
                utf8(Contracts.encode(new CancelRequest("zz-nobody-" + i, Instant.now()))), Expect.NOTHING, null));
        return Gen.weighted(new int[] {12, 3, 1, 1, 2}, List.of(refused, junk, empty, oversized, unknownJob));
    }

    /**
     * Model updates: refused ones, and well-formed ones that must change nothing (a model this pool does not
     * serve, or the served model with a version the live pointer does not name: the pointer wins). Never without
     * a key: the topic is compacted, and Kafka refuses keyless records there.
     */
    static Gen<Draw> updates() {
        Gen<String> body = Gen.oneOf(
                malformed(id -> "{\"model\":" + quote(MODEL) + ",\"version\":" + quote(id) + "}"),
                wrongValues(Kind.STRING).map(v -> "{\"model\":" + v + "}"),
                wrongValues(Kind.INTEGER).map(v -> "{\"model\":\"" + MODEL + "\",\"version\":\"zz\",\"step\":" + v + "}"),
                wrongValues(Kind.OBJECT).map(v -> "{\"model\":\"" + MODEL + "\",\"metrics\":" + v + "}"),
                Gen.alphaStrings(1, 12).map(s -> "{\"model\":\"" + MODEL + "\",\"zz" + s + "\":1}"),
                Gen.of("{}", "{\"model\":\"\"}", "{\"model\":\" \"}", "{\"version\":\"v1\"}"),
                Gen.strings(200));
        Gen<Draw> refused = Gen.combine(body, Gen.of(1, 2, 3),
                (text, keyMode) -> i -> new Poison("bad model update", UPDATES, key(keyMode, i), utf8(text),
                        Expect.DEAD_LETTER, "invalid model update"));
        Gen<Draw> junk = Gen.bytes(2000).map(bytes -> i -> new Poison("junk model update", UPDATES, key(1, i), bytes,
                Expect.DEAD_LETTER, "invalid model update"));
        Gen<Draw> oversized = Gen.ints(Contracts.MAX_REQUEST_CHARS + 1, Contracts.MAX_REQUEST_CHARS + 100_000)
                .map(n -> i -> new Poison("oversized model update", UPDATES, key(1, i),
                        utf8(pad("{\"model\":\"" + MODEL + "\"}", n)), Expect.DEAD_LETTER, "over the limit"));
        Gen<Draw> harmless = Gen.combine(Gen.of("zz-not-served", MODEL, "../" + MODEL), Gen.alphaStrings(1, 30),
                Gen.longs(), Gen.doubles().filter(Double::isFinite),
                (m, version, step, metric) -> i -> new Poison("harmless model update", UPDATES, key(1, i),
                        utf8(Contracts.encode(new ModelUpdate(m, "zz-" + version, "models/x/", step,
                                Map.of("heldOutDsmLoss", metric), Instant.now()))), Expect.NOTHING, null));
        return Gen.weighted(new int[] {12, 3, 1, 3}, List.of(refused, junk, oversized, harmless));
    }

    /** Keys: 0 none, 1 the record's own id, 2 junk bytes, 3 a huge one. */
    private static byte[] key(int mode, int i) {
        return switch (mode) {
            case 0 -> null;
            case 1 -> ("p-" + i).getBytes(StandardCharsets.UTF_8);
            case 2 -> new byte[] {(byte) 0xff, (byte) 0xfe, 0, (byte) 0x80, (byte) i};
            default -> "K".repeat(5000 + i).getBytes(StandardCharsets.UTF_8);
        };
    }

    private static Poison keyed(String family, String topic, String key, String value, String reason) {
        return new Poison(family, topic, key.getBytes(StandardCharsets.UTF_8), utf8(value), Expect.DEAD_LETTER, reason);
    }

    // ---- the run

    @Test
    void poisonOnEveryTopicTheSamplerReadsIsDeadLetteredWithAReasonAndGoodJobsStillComplete() throws Exception {
        LocalInfrastructure infra = LocalInfrastructure.shared();
        ModelStore store = new ModelStore(infra.s3Client(), LocalInfrastructure.DEFAULT_BUCKET);
        TestModels.putVersion(store, MODEL, "v1", 1);
        TestModels.setLive(store, MODEL, "v1");

        // Drawn up front from one seed, so a failing run can be replayed with -Dncsn.fuzz.seed.
        SplittableRandom random = new SplittableRandom(SEED);
        List<Gen<Draw>> families = List.of(requests(), cancels(), updates());
        List<Poison> poison = new ArrayList<>();
        int index = 0;
        for (String topic : List.of(GENERATIONS, INPAINTINGS, CONTROL, UPDATES)) {
            String reason = topic.equals(CONTROL) ? "invalid cancel request" : topic.equals(UPDATES)
                    ? "invalid model update" : null;
            for (String text : FIXED_MALFORMED) {
                poison.add(new Poison("fixed malformed", topic, key(1, index), utf8(text), Expect.DEAD_LETTER, reason));
                index++;
            }
            for (byte[] value : new byte[][] {null, new byte[0], {(byte) 0xff, (byte) 0xfe}, {(byte) 0xc0, (byte) 0x80}}) {
                poison.add(new Poison("fixed empty or not UTF-8", topic, key(1, index), value, Expect.DEAD_LETTER,
                        reason));
                index++;
            }
        }
        for (int n = 0; n < RECORDS; n++) {
            for (int f = 0; f < families.size(); f++) {
                // Twice as many requests as cancels or updates: the request topics are two.
                for (int k = 0; k < (f == 0 ? 2 : 1); k++) {
                    poison.add(families.get(f).next(random).apply(index++));
                }
            }
        }

        long peakHeap = usedHeap();
        long started;
        List<Sent> sent = new ArrayList<>();
        String good = "good-" + UUID.randomUUID();
        String goodInpainting = "good-inpainting-" + UUID.randomUUID();
        try (KafkaProducer<byte[], byte[]> producer = producer();
             TopicReader frames = new TopicReader(infra.kafkaBootstrapServers(), FRAMES);
             TopicReader deadLetters = new TopicReader(infra.kafkaBootstrapServers(), DEAD_LETTERS)) {
            send(producer, UPDATES, MODEL, Contracts.encode(new ModelUpdate(MODEL, "v1",
                    ModelStore.versionPrefix(MODEL, "v1"), 0, Map.of(), Instant.now())));
            awaitReady();
            double invalidBefore = service.node().metrics().jobs("invalid");
            HeapAfterGc heap = new HeapAfterGc();
            heap.collectOnce();
            long baseline = heap.peakBytes();

            started = System.nanoTime();
            for (Poison p : poison) {
                RecordMetadata m = producer.send(new ProducerRecord<>(p.topic(), p.key(), p.value())).get();
                sent.add(new Sent(p, m.partition(), m.offset()));
                if (sent.size() % 50 == 0) {
                    peakHeap = Math.max(peakHeap, usedHeap());
                }
            }
            // After all the poison, on the same topics: the good jobs.
            send(producer, GENERATIONS, good, Contracts.encode(new GenerationRequest(good, null,
                    SamplerFixture.params(1, 7, 1, 1), Instant.now())));
            send(producer, INPAINTINGS, goodInpainting, Contracts.encode(new InpaintingRequest(goodInpainting, null,
                    SamplerFixture.params(1, 3, 1, 1), Base64.getEncoder().encodeToString(GOOD_IMAGE),
                    Base64.getEncoder().encodeToString(GOOD_MASK), Instant.now())));

            long deadline = System.nanoTime() + DEADLINE.toNanos();
            List<JobEvent> goodEvents = awaitTerminal(frames, good, deadline);
            List<JobEvent> inpaintingEvents = awaitTerminal(frames, goodInpainting, deadline);

            // Every refused record's dead letter, by where the record was.
            List<Sent> expected = sent.stream().filter(s -> s.poison().expect() == Expect.DEAD_LETTER).toList();
            Map<String, DeadLetter> letters = new HashMap<>();
            while (true) {
                for (ConsumerRecord<String, String> r : deadLetters.records()) {
                    DeadLetter d = Contracts.decode(r.value(), DeadLetter.class);
                    letters.put(d.topic() + "-" + d.partition() + "@" + d.offset(), d);
                }
                peakHeap = Math.max(peakHeap, usedHeap());
                if (expected.stream().allMatch(s -> letters.containsKey(s.position()))
                        || System.nanoTime() > deadline) {
                    break;
                }
                TopicReader.sleep(100);
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            heap.collectOnce();
            heap.close();

            Map<String, Integer> byTopic = new TreeMap<>();
            Map<String, Integer> byFamily = new TreeMap<>();
            sent.forEach(s -> {
                byTopic.merge(s.poison().topic(), 1, Integer::sum);
                byFamily.merge(s.poison().family(), 1, Integer::sum);
            });
            long cut = letters.values().stream().filter(d -> d.cut() != null).count();
            int largest = sent.stream().mapToInt(s -> s.poison().value() == null ? 0 : s.poison().value().length)
                    .max().orElse(0);
            System.out.printf("poison: seed %d, %d records in %.1f s (%s), %d dead letters (%d cut to size), "
                            + "largest record %d bytes; families %s; peak heap %d MB (max %d MB); heap after GC %d MB "
                            + "before, at most %d MB during the run (%d collections)%n", SEED, sent.size(), seconds,
                    byTopic, letters.size(), cut, largest, byFamily, peakHeap >> 20,
                    Runtime.getRuntime().maxMemory() >> 20, baseline >> 20, heap.peakBytes() >> 20,
                    heap.collections());

            // Each refused record: a dead letter with the record's key and value (or their beginning) and a reason.
            List<String> problems = new ArrayList<>();
            // Junk and short keys repeat across records: every failed reason of each job id.
            Map<String, List<String>> failed = new HashMap<>();
            for (ConsumerRecord<String, String> r : frames.records()) {
                if (Contracts.decode(r.value(), JobEvent.class) instanceof JobEvent.Failed f) {
                    failed.computeIfAbsent(f.jobId(), k -> new ArrayList<>()).add(f.reason());
                }
            }
            for (Sent s : sent) {
                Poison p = s.poison();
                DeadLetter d = letters.get(s.position());
                if (p.expect() == Expect.NOTHING) {
                    if (d != null) {
                        problems.add(s.position() + " " + p + " is harmless but got a dead letter: " + d.reason());
                    }
                    continue;
                }
                if (d == null) {
                    problems.add(s.position() + " " + p + ": no dead letter");
                    continue;
                }
                if (d.reason() == null || d.reason().isBlank() || d.reason().startsWith("refused (no reason")
                        || (p.reason() != null && !d.reason().contains(p.reason()))) {
                    problems.add(s.position() + " " + p + ": reason \"" + abbreviate(d.reason()) + "\" does not say \""
                            + p.reason() + "\"");
                }
                if (!"sampler-service".equals(d.service())) {
                    problems.add(s.position() + ": service " + d.service());
                }
                if (d.reason() != null && d.reason().contains("could not be read")) {
                    // The request consumer's safety net caught an exception the decoder did not foresee: a bug.
                    problems.add(s.position() + " " + p + ": unforeseen: " + abbreviate(d.reason()));
                }
                String value = p.valueText();
                boolean whole = value == null ? d.value() == null : value.equals(d.value());
                boolean prefix = value != null && d.value() != null && d.cut() != null && value.startsWith(d.value())
                        && d.value().length() <= DeadLetter.MAX_VALUE_CHARS;
                if (!whole && !prefix) {
                    problems.add(s.position() + " " + p + ": the dead letter's value is not the record's");
                }
                String key = p.keyText();
                if (!(key == null ? d.key() == null : key.equals(d.key())
                        || (d.cut() != null && key.startsWith(d.key()) && d.key().length() == DeadLetter.MAX_KEY_CHARS))) {
                    problems.add(s.position() + " " + p + ": the dead letter's key is not the record's");
                }
                // A request keyed by a job id also fails that job, with the same reason.
                boolean request = p.topic().equals(GENERATIONS) || p.topic().equals(INPAINTINGS);
                if (request && GenerationRequest.isJobId(key)) {
                    List<String> reasons = failed.getOrDefault(key, List.of());
                    if (!reasons.contains(d.reason())) {
                        problems.add(s.position() + " " + p + ": job " + abbreviate(key) + " has no failed event "
                                + "with the dead letter's reason, only " + reasons.size() + " others");
                    }
                }
            }
            assertEquals(List.of(), problems.subList(0, Math.min(problems.size(), 30)),
                    problems.size() + " problems in all");
            assertTrue(heap.peakBytes() - baseline <= MAX_HEAP_GROWTH, "memory stays bounded: at most "
                    + (MAX_HEAP_GROWTH >> 20) + " MB more live after any collection than before the poison, got "
                    + (heap.peakBytes() >> 20) + " MB against " + (baseline >> 20) + " MB");

            // The worker is unharmed: live, ready, on the same version, past every record, and serving.
            assertNull(service.node().broken());
            assertEquals(200, get(live).statusCode());
            assertEquals(200, get(ready).statusCode(), get(ready).body());
            assertEquals("v1", service.node().versions().get(MODEL));
            assertNull(service.node().reloader().lastFailure(), "no poison update made it load a version");
            long requests = sent.stream().filter(s -> !s.poison().topic().equals(CONTROL)
                    && !s.poison().topic().equals(UPDATES)).count();
            assertEquals(requests, service.node().metrics().jobs("invalid") - invalidBefore, 1e-9,
                    "every poison request counted as invalid");
            assertEquals(12, goodEvents.size(), "started, a frame per level and done: " + goodEvents);
            assertInstanceOf(JobEvent.Done.class, goodEvents.get(11));
            assertInstanceOf(JobEvent.Done.class, inpaintingEvents.get(inpaintingEvents.size() - 1));
            awaitEverythingCommitted(infra, deadline);
        }
    }

    // ---- helpers

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (get(ready).statusCode() != 200 || !"v1".equals(service.node().versions().get(MODEL))) {
            assertTrue(System.nanoTime() < deadline, "not ready: " + get(ready).body());
            Thread.sleep(100);
        }
    }

    private static List<JobEvent> awaitTerminal(TopicReader frames, String jobId, long deadline) {
        while (true) {
            List<JobEvent> events = new ArrayList<>();
            for (ConsumerRecord<String, String> r : frames.records()) {
                if (jobId.equals(r.key())) {
                    events.add(Contracts.decode(r.value(), JobEvent.class));
                }
            }
            if (!events.isEmpty() && events.get(events.size() - 1).terminal()) {
                return events;
            }
            assertTrue(System.nanoTime() < deadline, "job " + jobId + " did not end: " + events);
            TopicReader.sleep(50);
        }
    }

    /** The sampler group's committed offsets reach the end of both request topics: no record is left behind. */
    private static void awaitEverythingCommitted(LocalInfrastructure infra, long deadline) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                infra.kafkaBootstrapServers()))) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (String topic : List.of(GENERATIONS, INPAINTINGS)) {
                for (int p = 0; p < 2; p++) {
                    latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            while (true) {
                var ends = admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("fuzz-sampler")
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                List<String> behind = new ArrayList<>();
                ends.forEach((tp, end) -> {
                    OffsetAndMetadata c = committed.get(tp);
                    if (end.offset() > 0 && (c == null || c.offset() != end.offset())) {
                        behind.add(tp + " committed " + (c == null ? "nothing" : c.offset()) + " of " + end.offset());
                    }
                });
                if (behind.isEmpty()) {
                    return;
                }
                assertTrue(System.nanoTime() < deadline, "not committed: " + behind);
                TopicReader.sleep(200);
            }
        }
    }

    private static KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalInfrastructure.shared().kafkaBootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(8 * 1024 * 1024),
                ProducerConfig.LINGER_MS_CONFIG, "0"), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, utf8(key), utf8(value))).get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot send to " + topic, e);
        }
    }

    private static HttpResponse<String> get(URL url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.toString())).GET().build(),
                HttpResponse.BodyHandlers.ofString());
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

    private static String object(Map<String, String> members) {
        StringBuilder b = new StringBuilder("{");
        members.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append(quote(k)).append(':').append(v));
        return b.append('}').toString();
    }

    /** The JSON object with an extra string member so that it has {@code chars} characters. */
    private static String pad(String json, int chars) {
        String head = json.substring(0, json.length() - 1) + ",\"padding\":\"";
        return head + "x".repeat(Math.max(0, chars - head.length() - 2)) + "\"}";
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    private static String b64(byte[] bytes) {
        return "\"" + Base64.getEncoder().encodeToString(bytes) + "\"";
    }

    static String quote(String s) {
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

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() <= 120 ? s : s.substring(0, 120) + "… (" + s.length() + " chars)";
    }

    static BufferedImage pattern(int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.getRaster().setSample(x, y, 0, (x * 37 + y * 11) % 256);
            }
        }
        return image;
    }

    static BufferedImage rightHalf(int size) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < size; y++) {
            for (int x = size / 2; x < size; x++) {
                image.getRaster().setSample(x, y, 0, 255);
            }
        }
        return image;
    }

    static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A small PNG whose header declares width × height pixels (a decompression bomb if decoded). */
    static byte[] declaredPng(int width, int height) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DataOutputStream data = new DataOutputStream(out);
            data.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.write(new byte[] {8, 0, 0, 0, 0});
            chunk(data, "IHDR", ihdr.toByteArray());
            Deflater deflater = new Deflater(9);
            deflater.setInput(new byte[1 << 20]);
            deflater.finish();
            byte[] buffer = new byte[1 << 16];
            chunk(data, "IDAT", Arrays.copyOf(buffer, deflater.deflate(buffer)));
            chunk(data, "IEND", new byte[0]);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void chunk(DataOutputStream out, String type, byte[] body) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(body.length);
        out.write(t);
        out.write(body);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(body);
        out.writeInt((int) crc.getValue());
    }
}
