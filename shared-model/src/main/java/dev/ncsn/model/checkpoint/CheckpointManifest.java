package dev.ncsn.model.checkpoint;

import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.schedule.ScheduleDesigner;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a checkpoint is: everything but the parameter values, stored as {@code manifest.json} next to
 * {@code parameters.bin}. See {@link Checkpoint} for the file format.
 *
 * <p>A manifest is <em>sealed</em> when it carries the SHA-256 of {@code parameters.bin} and the parameter table;
 * {@link Checkpoint#write} takes an unsealed one (build it with {@link #of}) and returns the sealed one it wrote.
 * Every manifest read from storage is sealed.
 *
 * <p>JSON: unknown fields are ignored on read, so that a newer writer may add fields without breaking older readers;
 * a change older readers must not ignore raises {@link #formatVersion}. Required fields that are missing are
 * rejected by {@link #fromJson} with a message naming the field.
 *
 * @param formatVersion     version of the checkpoint format; {@link #FORMAT_VERSION} for everything written by this code
 * @param modelName         which model this is a version of, e.g. "mnist"
 * @param versionId         this version's id, unique per model (e.g. "20250301-120000-step12000")
 * @param parent            the version id this one was trained on from (fine-tuning, resumption), or null
 * @param architecture      the network sizes the parameters belong to
 * @param schedule          the noise levels the network was trained for
 * @param dataShape         the shape of one sample (C, H, W)
 * @param trainingStep      optimiser steps taken when the parameters were saved
 * @param ema               whether the parameters are exponential-moving-average weights rather than the raw ones
 * @param createdAt         when the checkpoint was written (ISO-8601 in JSON)
 * @param metrics           free-form numbers (e.g. "heldOutLoss"), finite; empty when there are none
 * @param parametersSha256  lower-case hex SHA-256 of {@code parameters.bin}; null while unsealed
 * @param parameterTable    the tensors of {@code parameters.bin}, in file order; empty while unsealed
 * @param scheduleDesign    how {@code schedule} was designed from the training data (NCSNv2's rules, each with its
 *                          value), or null (absent in JSON) when it was given or is the family's default
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"formatVersion", "modelName", "versionId", "parent", "architecture", "schedule", "dataShape",
        "trainingStep", "ema", "createdAt", "metrics", "parametersSha256", "parameterTable", "scheduleDesign"})
public record CheckpointManifest(
        @JsonProperty("formatVersion") int formatVersion,
        @JsonProperty("modelName") String modelName,
        @JsonProperty("versionId") String versionId,
        @JsonProperty("parent") String parent,
        @JsonProperty("architecture") Architecture architecture,
        @JsonProperty("schedule") NoiseSchedule schedule,
        @JsonProperty("dataShape") DataShape dataShape,
        @JsonProperty("trainingStep") long trainingStep,
        @JsonProperty("ema") boolean ema,
        @JsonProperty("createdAt")
        @JsonSerialize(using = InstantJson.Serializer.class)
        @JsonDeserialize(using = InstantJson.Deserializer.class)
        Instant createdAt,
        @JsonProperty("metrics") Map<String, Double> metrics,
        @JsonProperty("parametersSha256") String parametersSha256,
        @JsonProperty("parameterTable") List<ParameterEntry> parameterTable,
        @JsonProperty("scheduleDesign") ScheduleDesigner.Design scheduleDesign) {

    /** The format version this code writes, and the only one it reads. */
    public static final int FORMAT_VERSION = 1;

    /** The only element type of format version 1. */
    public static final String DTYPE_FLOAT32 = "float32";

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    @JsonCreator
    public CheckpointManifest {
        if (formatVersion < 1) {
            throw new IllegalArgumentException("formatVersion must be at least 1, got " + formatVersion);
        }
        requireText(modelName, "modelName");
        requireText(versionId, "versionId");
        if (parent != null && parent.isBlank()) {
            throw new IllegalArgumentException("parent must be null or a version id, got a blank string");
        }
        Objects.requireNonNull(architecture, "architecture is missing");
        Objects.requireNonNull(schedule, "schedule is missing");
        Objects.requireNonNull(dataShape, "dataShape is missing");
        Objects.requireNonNull(createdAt, "createdAt is missing");
        if (trainingStep < 0) {
            throw new IllegalArgumentException("trainingStep must be non-negative, got " + trainingStep);
        }
        if (architecture.levels() != schedule.levels()) {
            throw new IllegalArgumentException("the architecture is conditioned on " + architecture.levels()
                    + " noise levels but the schedule has " + schedule.levels());
        }
        if (architecture.channels() != dataShape.channels()
                || architecture.imageSize() != dataShape.height() || architecture.imageSize() != dataShape.width()) {
            throw new IllegalArgumentException("dataShape " + dataShape + " does not fit the architecture ("
                    + architecture.channels() + " channels, " + architecture.imageSize() + "x"
                    + architecture.imageSize() + " pixels)");
        }
        metrics = copyMetrics(metrics);
        if (parametersSha256 != null && !SHA256_HEX.matcher(parametersSha256).matches()) {
            throw new IllegalArgumentException("parametersSha256 must be 64 lower-case hex digits, got '"
                    + parametersSha256 + "'");
        }
        parameterTable = parameterTable == null ? List.of() : List.copyOf(parameterTable);
        checkTable(parameterTable);
        if (parametersSha256 != null && parameterTable.isEmpty()) {
            throw new IllegalArgumentException("parameterTable is empty: a checkpoint needs at least one parameter");
        }
        if (parametersSha256 == null && !parameterTable.isEmpty()) {
            throw new IllegalArgumentException("parametersSha256 is missing while parameterTable is present");
        }
        if (scheduleDesign != null && !scheduleDesign.schedule().equals(schedule)) {
            throw new IllegalArgumentException("scheduleDesign designed " + scheduleDesign.schedule()
                    + " but the schedule is " + schedule);
        }
    }

    /** A manifest without a schedule design (as every manifest was before designs were recorded). */
    public CheckpointManifest(int formatVersion, String modelName, String versionId, String parent,
                              Architecture architecture, NoiseSchedule schedule, DataShape dataShape,
                              long trainingStep, boolean ema, Instant createdAt, Map<String, Double> metrics,
                              String parametersSha256, List<ParameterEntry> parameterTable) {
        this(formatVersion, modelName, versionId, parent, architecture, schedule, dataShape, trainingStep, ema,
                createdAt, metrics, parametersSha256, parameterTable, null);
    }

    /**
     * An unsealed manifest in the current format version, without metrics or parent; add those with
     * {@link #withMetrics} and {@link #withParent}.
     */
    public static CheckpointManifest of(String modelName, String versionId, Architecture architecture,
                                        NoiseSchedule schedule, DataShape dataShape, long trainingStep, boolean ema,
                                        Instant createdAt) {
        return new CheckpointManifest(FORMAT_VERSION, modelName, versionId, null, architecture, schedule, dataShape,
                trainingStep, ema, createdAt, Map.of(), null, List.of());
    }

    /** A copy with these metrics (replacing any). */
    public CheckpointManifest withMetrics(Map<String, Double> newMetrics) {
        return new CheckpointManifest(formatVersion, modelName, versionId, parent, architecture, schedule, dataShape,
                trainingStep, ema, createdAt, newMetrics, parametersSha256, parameterTable, scheduleDesign);
    }

    /** A copy with this parent version id (null for none). */
    public CheckpointManifest withParent(String newParent) {
        return new CheckpointManifest(formatVersion, modelName, versionId, newParent, architecture, schedule,
                dataShape, trainingStep, ema, createdAt, metrics, parametersSha256, parameterTable, scheduleDesign);
    }

    /** A copy recording how its schedule was designed (null for none). */
    public CheckpointManifest withScheduleDesign(ScheduleDesigner.Design design) {
        return new CheckpointManifest(formatVersion, modelName, versionId, parent, architecture, schedule,
                dataShape, trainingStep, ema, createdAt, metrics, parametersSha256, parameterTable, design);
    }

    /** A copy without checksum and parameter table, in the current format version: what {@link Checkpoint#write} takes. */
    public CheckpointManifest unsealed() {
        return new CheckpointManifest(FORMAT_VERSION, modelName, versionId, parent, architecture, schedule, dataShape,
                trainingStep, ema, createdAt, metrics, null, List.of(), scheduleDesign);
    }

    /** A sealed copy describing a parameters file with this checksum and table. */
    CheckpointManifest sealed(String sha256, List<ParameterEntry> table) {
        return new CheckpointManifest(FORMAT_VERSION, modelName, versionId, parent, architecture, schedule, dataShape,
                trainingStep, ema, createdAt, metrics, Objects.requireNonNull(sha256), table, scheduleDesign);
    }

    /** Whether this manifest carries a checksum and parameter table, i.e. describes an existing parameters file. */
    @JsonIgnore
    public boolean hasParameterFile() {
        return parametersSha256 != null;
    }

    /** The exact size in bytes of {@code parameters.bin} that the parameter table describes. */
    public long parametersFileSize() {
        if (parameterTable.isEmpty()) {
            return 0;
        }
        ParameterEntry last = parameterTable.get(parameterTable.size() - 1);
        return last.offset() + last.byteLength();
    }

    /** The table entry of a parameter, or null. */
    public ParameterEntry parameter(String name) {
        for (ParameterEntry e : parameterTable) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Checks that this checkpoint was made for the given architecture and schedule; a null argument is not checked.
     *
     * @throws CheckpointException naming every field that differs
     */
    public void requireCompatible(Architecture expectedArchitecture, NoiseSchedule expectedSchedule) {
        List<String> problems = new ArrayList<>();
        if (expectedArchitecture != null && !expectedArchitecture.equals(architecture)) {
            problems.add("architecture mismatch: checkpoint has " + describeArchitectureDiff(architecture,
                    expectedArchitecture));
        }
        if (expectedSchedule != null && !expectedSchedule.equals(schedule)) {
            problems.add("noise schedule mismatch: checkpoint was trained for " + describe(schedule)
                    + ", expected " + describe(expectedSchedule));
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException("checkpoint " + modelName + "/" + versionId + ": "
                    + String.join("; ", problems));
        }
    }

    /** The manifest as UTF-8 JSON, as stored in {@code manifest.json}. */
    public byte[] toJson() {
        return ManifestJson.write(this);
    }

    /**
     * Parses and validates {@code manifest.json}: format version supported, every required field present, a sealed
     * manifest (checksum and parameter table), unknown fields ignored.
     *
     * @throws CheckpointException saying what is wrong
     */
    public static CheckpointManifest fromJson(byte[] json) {
        return ManifestJson.read(json);
    }

    private static String describe(NoiseSchedule s) {
        return "σmax=" + s.sigmaMax() + ", σmin=" + s.sigmaMin() + ", L=" + s.levels();
    }

    private static String describeArchitectureDiff(Architecture actual, Architecture expected) {
        List<String> diffs = new ArrayList<>();
        if (!actual.family().equals(expected.family())) {
            diffs.add("family=" + actual.family() + " (expected " + expected.family() + ")");
        }
        if (!actual.preset().equals(expected.preset())) {
            diffs.add("preset=" + actual.preset() + " (expected " + expected.preset() + ")");
        }
        if (actual.channels() != expected.channels()) {
            diffs.add("channels=" + actual.channels() + " (expected " + expected.channels() + ")");
        }
        if (actual.imageSize() != expected.imageSize()) {
            diffs.add("imageSize=" + actual.imageSize() + " (expected " + expected.imageSize() + ")");
        }
        if (actual.ngf() != expected.ngf()) {
            diffs.add("ngf=" + actual.ngf() + " (expected " + expected.ngf() + ")");
        }
        if (actual.levels() != expected.levels()) {
            diffs.add("levels=" + actual.levels() + " (expected " + expected.levels() + ")");
        }
        return String.join(", ", diffs);
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is missing or blank");
        }
    }

    private static Map<String, Double> copyMetrics(Map<String, Double> metrics) {
        if (metrics == null || metrics.isEmpty()) {
            return Map.of();
        }
        Map<String, Double> copy = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : metrics.entrySet()) {
            if (e.getKey() == null || e.getKey().isBlank()) {
                throw new IllegalArgumentException("metric names must not be blank");
            }
            if (e.getValue() == null || !Double.isFinite(e.getValue())) {
                throw new IllegalArgumentException("metric '" + e.getKey() + "' is " + e.getValue()
                        + "; metrics must be finite numbers");
            }
            copy.put(e.getKey(), e.getValue());
        }
        return Collections.unmodifiableMap(copy);
    }

    private static void checkTable(List<ParameterEntry> table) {
        Set<String> names = new HashSet<>();
        long expectedOffset = 0;
        for (ParameterEntry e : table) {
            Objects.requireNonNull(e, "parameterTable contains null");
            if (!names.add(e.name())) {
                throw new IllegalArgumentException("parameterTable lists " + e.name() + " twice");
            }
            if (e.offset() != expectedOffset) {
                throw new IllegalArgumentException("parameterTable: " + e.name() + " has offset " + e.offset()
                        + ", expected " + expectedOffset + " (tensors are packed back to back in table order)");
            }
            try {
                expectedOffset = Math.addExact(expectedOffset, e.byteLength());
            } catch (ArithmeticException overflow) {
                throw new IllegalArgumentException("parameterTable describes more than 2^63 bytes");
            }
        }
    }

    /** The shape of one sample: channels × height × width. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record DataShape(
            @JsonProperty("channels") int channels,
            @JsonProperty("height") int height,
            @JsonProperty("width") int width) {

        @JsonCreator
        public DataShape {
            if (channels < 1 || height < 1 || width < 1) {
                throw new IllegalArgumentException("invalid data shape (" + channels + ", " + height + ", " + width
                        + "): every size must be positive");
            }
        }

        /** The (C, H, W) of images the architecture takes. */
        public static DataShape of(Architecture architecture) {
            return new DataShape(architecture.channels(), architecture.imageSize(), architecture.imageSize());
        }

        /** From a (C, H, W) sample shape, e.g. {@code ScoreModel.sampleShape()}. */
        public static DataShape of(Shape shape) {
            if (shape.dimension() != 3) {
                throw new IllegalArgumentException("a data shape needs three axes (C, H, W), got " + shape);
            }
            return new DataShape(Math.toIntExact(shape.get(0)), Math.toIntExact(shape.get(1)),
                    Math.toIntExact(shape.get(2)));
        }

        /** As a DJL shape (C, H, W). */
        public Shape toShape() {
            return new Shape(channels, height, width);
        }

        @Override
        public String toString() {
            return "(" + channels + ", " + height + ", " + width + ")";
        }
    }

    /**
     * One tensor of {@code parameters.bin}.
     *
     * @param name   the parameter's stable name, as in {@code TrainableScoreModel.parameters()}
     * @param shape  its shape; an empty list for a scalar
     * @param dtype  element type; {@value #DTYPE_FLOAT32} (little-endian IEEE 754) is the only one format 1 has
     * @param offset byte offset of its first element in {@code parameters.bin}
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonPropertyOrder({"name", "shape", "dtype", "offset"})
    public record ParameterEntry(
            @JsonProperty("name") String name,
            @JsonProperty("shape") List<Long> shape,
            @JsonProperty("dtype") String dtype,
            @JsonProperty("offset") long offset) {

        @JsonCreator
        public ParameterEntry {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a parameter table entry has no name");
            }
            Objects.requireNonNull(shape, () -> "parameter " + name + " has no shape");
            shape = List.copyOf(shape);
            long count = 1;
            for (Long d : shape) {
                if (d == null || d < 0) {
                    throw new IllegalArgumentException("parameter " + name + " has an invalid shape " + shape);
                }
                try {
                    count = Math.multiplyExact(count, d);
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("parameter " + name + " has an impossibly large shape " + shape);
                }
            }
            if (count > Long.MAX_VALUE / Float.BYTES) {
                throw new IllegalArgumentException("parameter " + name + " has an impossibly large shape " + shape);
            }
            if (dtype == null || dtype.isBlank()) {
                throw new IllegalArgumentException("parameter " + name + " has no dtype");
            }
            if (!DTYPE_FLOAT32.equals(dtype)) {
                throw new IllegalArgumentException("parameter " + name + " has dtype " + dtype + "; format version "
                        + FORMAT_VERSION + " stores only " + DTYPE_FLOAT32);
            }
            if (offset < 0) {
                throw new IllegalArgumentException("parameter " + name + " has a negative offset " + offset);
            }
        }

        /** A float32 entry. */
        public static ParameterEntry float32(String name, Shape shape, long offset) {
            List<Long> dims = new ArrayList<>(shape.dimension());
            for (long d : shape.getShape()) {
                dims.add(d);
            }
            return new ParameterEntry(name, dims, DTYPE_FLOAT32, offset);
        }

        /** The shape as a DJL shape. */
        public Shape toShape() {
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i);
            }
            return new Shape(dims);
        }

        /** Number of elements: the product of the shape (1 for a scalar). */
        public long elementCount() {
            long count = 1;
            for (long d : shape) {
                count *= d;
            }
            return count;
        }

        /** Size in {@code parameters.bin}: 4 bytes per element. */
        public long byteLength() {
            return elementCount() * Float.BYTES;
        }
    }
}
