package dev.ncsn.model.contract;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ContractsTest {

    private static final Instant AT = Instant.parse("2026-11-22T03:00:00Z");

    @Test
    void generationRequestIsFlatJsonAndRoundTrips() {
        var request = new GenerationRequest("job-1", null,
                new SamplingParameters(16, 42L, 100, 4e-5, 10, true, null), AT);
        String json = Contracts.encode(request);
        assertEquals("{\"jobId\":\"job-1\",\"count\":16,\"seed\":42,\"stepsPerLevel\":100,\"stepSize\":4.0E-5,"
                + "\"frameEvery\":10,\"denoisedPreview\":true,\"submittedAt\":\"2026-11-22T03:00:00Z\"}", json);
        assertEquals(request, Contracts.decode(json, GenerationRequest.class));
    }

    @Test
    void optionalFieldsTakeDefaults() {
        var request = Contracts.decode("{\"jobId\":\"j\",\"count\":4}", GenerationRequest.class);
        assertTrue(request.problems().isEmpty());
        var spec = request.parameters().toSpec(request.jobId());
        assertEquals(100, spec.stepsPerLevel());
        assertEquals(4e-5, spec.epsilon());
        assertEquals(10, spec.frameEvery());
        assertEquals(spec.seed(), request.parameters().toSpec("j").seed(), "a missing seed is fixed by the job id");
    }

    @Test
    void unknownFieldsAndMalformedJsonAreRejectedWithAReason() {
        var unknown = assertThrows(Contracts.InvalidMessageException.class,
                () -> Contracts.decode("{\"jobId\":\"j\",\"count\":4,\"colour\":\"red\"}", GenerationRequest.class));
        assertTrue(unknown.getMessage().contains("unknown field \"colour\""), unknown.getMessage());
        var malformed = assertThrows(Contracts.InvalidMessageException.class,
                () -> Contracts.decode("{\"jobId\":", GenerationRequest.class));
        assertTrue(malformed.getMessage().startsWith("malformed JSON"), malformed.getMessage());
        var wrongType = assertThrows(Contracts.InvalidMessageException.class,
                () -> Contracts.decode("{\"jobId\":\"j\",\"count\":\"many\"}", GenerationRequest.class));
        assertTrue(wrongType.getMessage().contains("count"), wrongType.getMessage());
    }

    @Test
    void outOfRangeValuesAreProblems() {
        var request = new GenerationRequest("j", null, new SamplingParameters(0, null, 5000, -1.0, 0, null, null), AT);
        List<String> problems = request.problems();
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("count must be between 1 and 64"));
        var inpainting = new InpaintingRequest("j", null, new SamplingParameters(1, null, null, null, null, null, null),
                null, "", AT);
        assertEquals(List.of("image is missing", "mask is missing"), inpainting.problems());
    }

    @Test
    void framesPerLevelAndTheWorkOfAJobAreBounded() {
        // 1000 steps with a frame at every step would be 10,000 full-size frames over ten levels.
        List<String> flood = new SamplingParameters(1, null, 1000, null, 1, null, null).problems();
        assertEquals(List.of("frameEvery must be at least 20 with 1000 steps per level (at most 50 frames per level), "
                + "got 1"), flood);
        assertEquals(List.of(), new SamplingParameters(1, null, 1000, null, 20, null, null).problems());
        assertEquals(List.of(), new SamplingParameters(1, null, 50, null, 1, null, null).problems());
        assertEquals(List.of(), new SamplingParameters(64, null, 500, null, null, null, null).problems());
        List<String> work = new SamplingParameters(64, null, 1000, null, null, null, null).problems();
        assertEquals(List.of("count × stepsPerLevel must be at most 32000, got 64 × 1000 = 64000"), work);
        // the default frameEvery (stepsPerLevel / 10) is always within the cap
        assertEquals(List.of(), new SamplingParameters(32, null, 1000, null, null, null, null).problems());
    }

    @Test
    void jobEventsCarryTheirType() {
        JobEvent frame = new JobEvent.Frame("j", 3, 2, 10, 0.6, 10, 100, 110, 1000, "v1", "cG5n", null, AT);
        String json = Contracts.encode(frame);
        assertTrue(json.startsWith("{\"type\":\"frame\",\"jobId\":\"j\",\"sequence\":3,\"level\":2"), json);
        assertEquals(frame, Contracts.decode(json, JobEvent.class));
        for (JobEvent e : List.<JobEvent>of(
                new JobEvent.Done("j", 9, "v1", "cG5n", List.of("YQ==", "Yg=="), AT),
                new JobEvent.Failed("j", 1, "model fashion-mnist has no live version", AT),
                new JobEvent.Cancelled("j", 4, AT))) {
            assertEquals(e, Contracts.decode(Contracts.encode(e), JobEvent.class));
            assertTrue(e.terminal());
        }
        assertFalse(frame.terminal());
    }

    @Test
    void modelUpdatesAndControlMessagesRoundTrip() {
        var update = new ModelUpdate("fashion-mnist", "v000120", "models/fashion-mnist/versions/v000120/", 12000,
                Map.of("heldOutDsmLoss", 0.31), AT);
        assertEquals(update, Contracts.decode(Contracts.encode(update), ModelUpdate.class));
        var cancel = new CancelRequest("j", AT);
        assertEquals(cancel, Contracts.decode(Contracts.encode(cancel), CancelRequest.class));
    }
}
