package dev.ncsn.model.contract;

import dev.ncsn.model.sampling.SamplingDefaults;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class ContractsTest {

    private static final Instant AT = Instant.parse("2026-11-22T03:00:00Z");

    @Test
    void generationRequestEmbedsTheSamplingParametersAndRoundTrips() {
        var request = new GenerationRequest("job-1", null,
                new SamplingParameters(16, 42L, "predictor-corrector", Map.of("snr", 0.2), 100, 4e-5, null, 10, true,
                        null), AT);
        String json = Contracts.encode(request);
        assertEquals("{\"jobId\":\"job-1\",\"parameters\":{\"count\":16,\"seed\":42,\"sampler\":\"predictor-corrector\","
                + "\"samplerOptions\":{\"snr\":0.2},\"stepsPerLevel\":100,\"stepSize\":4.0E-5,\"frameEvery\":10,"
                + "\"denoisedPreview\":true},\"submittedAt\":\"2026-11-22T03:00:00Z\"}", json);
        assertEquals(request, Contracts.decode(json, GenerationRequest.class));
        var inpainting = new InpaintingRequest("job-2", "m", request.parameters(), "aW1n", "bWFzaw==", AT);
        String inJson = Contracts.encode(inpainting);
        assertTrue(inJson.contains("\"parameters\":{\"count\":16,"), inJson);
        assertEquals(inpainting, Contracts.decode(inJson, InpaintingRequest.class));
    }

    @Test
    void theSamplerAndItsOptionsAreValidated() {
        var unknownSampler = new SamplingParameters(1, null, "euler-maruyama", null, null, null, null, null, null, null);
        assertEquals(1, unknownSampler.problems().size());
        assertTrue(unknownSampler.problems().get(0).startsWith("unknown sampler \"euler-maruyama\"; known samplers: "
                + "annealed-langevin, langevin, predictor-corrector"), unknownSampler.problems().toString());
        var unknownOption = new SamplingParameters(1, null, "predictor-corrector", Map.of("snrr", 0.1), null, null,
                null, null, null, null);
        assertEquals(List.of("sampler predictor-corrector has no option \"snrr\"; its options are snr, correctorSteps"),
                unknownOption.problems());
        var badValue = new SamplingParameters(1, null, "predictor-corrector", Map.of("correctorSteps", 1.5), null, null,
                null, null, null, null);
        assertEquals(List.of("option \"correctorSteps\" of sampler predictor-corrector must be a whole number, got 1.5"),
                badValue.problems());
        var optionOfAnother = new SamplingParameters(1, null, null, Map.of("snr", 0.1), null, null, null, null, null,
                null);
        assertEquals(List.of("sampler annealed-langevin has no option \"snr\"; it has no options"),
                optionOfAnother.problems());
        var spec = new SamplingParameters(1, 3L, "probability-flow", Map.of("heun", true), 2, null, null, null, null,
                null).toSpec("j", SamplingDefaults.PAPER);
        assertEquals(new dev.ncsn.model.sampling.ProbabilityFlow(true), spec.sampler());
    }

    @Test
    void optionalFieldsTakeDefaults() {
        var request = Contracts.decode("{\"jobId\":\"j\",\"parameters\":{\"count\":4}}", GenerationRequest.class);
        assertTrue(request.problems().isEmpty());
        var spec = request.parameters().toSpec(request.jobId(), SamplingDefaults.PAPER);
        assertEquals(100, spec.stepsPerLevel());
        assertEquals(4e-5, spec.epsilon());
        assertEquals(10, spec.frameEvery());
        assertEquals(new dev.ncsn.model.sampling.AnnealedLangevin(), spec.sampler(), "the paper's sampler by default");
        assertEquals(spec.seed(), request.parameters().toSpec("j", SamplingDefaults.PAPER).seed(),
                "a missing seed is fixed by the job id");
    }

    /**
     * An NCSNv2 model on its designed 99 levels samples as its design says (T = 5, Technique 4's ε, the final step),
     * not with NCSN's T = 100 (9,901 evaluations per image); what a request says still wins.
     */
    @Test
    void whatARequestLeavesOpenIsTheServingModelsDefault() {
        var v2 = dev.ncsn.model.net.Architecture.preset("ncsnv2-compact");
        var designed = new dev.ncsn.model.NoiseSchedule(22.46, 0.01, 99);
        SamplingDefaults defaults = dev.ncsn.model.net.ScoreNetworks.samplingDefaults(v2, designed);
        assertEquals(5, defaults.stepsPerLevel());
        double gamma = Math.pow(22.46 / 0.01, 1.0 / 98);
        assertEquals(2 * dev.ncsn.model.schedule.ScheduleDesigner.epsilonFor(gamma, 5, 0.01), defaults.stepSize(),
                1e-15, "Technique 4's ε for T = 5 on the model's own ratio, in Algorithm 1's convention");
        assertEquals(2.22e-5, defaults.stepSize(), 0.01e-5);
        assertTrue(defaults.finalDenoise());
        var unsaid = SamplingParameters.defaults(4).toSpec("j", defaults);
        assertEquals(5, unsaid.stepsPerLevel());
        assertEquals(defaults.stepSize(), unsaid.epsilon());
        assertEquals(1, unsaid.frameEvery(), "a frame every T/10 steps, at least every step");
        assertTrue(unsaid.finalDenoise());
        // Technique 4 picks ε for T: a chosen T without a chosen ε gets that T's ε, not T = 5's
        for (int t : new int[]{1, 2, 10}) {
            var onlyT = new SamplingParameters(4, null, null, null, t, null, null, null, null, null).toSpec("j", defaults);
            assertEquals(t, onlyT.stepsPerLevel());
            assertEquals(2 * dev.ncsn.model.schedule.ScheduleDesigner.epsilonFor(gamma, t, 0.01), onlyT.epsilon(),
                    1e-15, "ε for T = " + t);
            assertTrue(onlyT.finalDenoise());
        }
        assertEquals(dev.ncsn.model.sampling.SamplingSpec.REFERENCE_EPSILON, new SamplingParameters(4, null, null, null, 10, null, null, null,
                null, null).toSpec("j", SamplingDefaults.PAPER).epsilon(), "NCSN's ε is fixed whatever T");
        var said = new SamplingParameters(4, null, null, null, 20, 1e-5, null, null, null, false).toSpec("j", defaults);
        assertEquals(20, said.stepsPerLevel());
        assertEquals(1e-5, said.epsilon());
        assertFalse(said.finalDenoise());
        assertEquals(SamplingDefaults.PAPER, dev.ncsn.model.net.ScoreNetworks.samplingDefaults(
                dev.ncsn.model.net.Architecture.preset("compact"), dev.ncsn.model.NoiseSchedule.IMAGES),
                "NCSN samples as the paper does");
        // a frame interval too fine for the model's T is refused where T is known
        var fine = new SamplingParameters(1, null, null, null, null, null, null, 1, null, null);
        assertTrue(fine.problems().isEmpty(), "T unknown at the gateway: " + fine.problems());
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class, () -> fine.toSpec("j",
                new SamplingDefaults(200, 4e-5, false)));
        assertTrue(tooMany.getMessage().contains("frameEvery must be at least 4 with 200 steps per level"),
                tooMany.getMessage());
    }

    @Test
    void theFinalDenoisingStepDefaultsToTheServingFamilysChoiceAndARequestMayOverrideIt() {
        var ncsn = dev.ncsn.model.net.Architecture.preset("compact");
        var v2 = dev.ncsn.model.net.Architecture.preset("ncsnv2-compact");
        var ncsnDefaults = dev.ncsn.model.net.ScoreNetworks.samplingDefaults(ncsn, dev.ncsn.model.NoiseSchedule.IMAGES);
        var v2Defaults = dev.ncsn.model.net.ScoreNetworks.samplingDefaults(v2,
                dev.ncsn.model.net.ScoreNetworks.defaultSchedule(v2));
        assertFalse(ncsnDefaults.finalDenoise(), "NCSN samples without it");
        assertTrue(v2Defaults.finalDenoise(), "NCSNv2 samples with it");
        var unsaid = SamplingParameters.defaults(4);
        assertFalse(unsaid.toSpec("j", ncsnDefaults).finalDenoise());
        assertTrue(unsaid.toSpec("j", v2Defaults).finalDenoise());
        var off = new SamplingParameters(4, null, null, null, null, null, null, null, null, false);
        var on = new SamplingParameters(4, null, null, null, null, null, null, null, null, true);
        assertFalse(off.toSpec("j", v2Defaults).finalDenoise(), "a request turns it off on NCSNv2");
        assertTrue(on.toSpec("j", ncsnDefaults).finalDenoise(), "and on on NCSN");
    }

    @Test
    void unknownFieldsAndMalformedJsonAreRejectedWithAReason() {
        var unknown = assertThrows(Contracts.InvalidMessageException.class,
                () -> Contracts.decode("{\"jobId\":\"j\",\"parameters\":{\"count\":4,\"colour\":\"red\"}}", GenerationRequest.class));
        assertTrue(unknown.getMessage().contains("unknown field \"colour\""), unknown.getMessage());
        var malformed = assertThrows(Contracts.InvalidMessageException.class,
                () -> Contracts.decode("{\"jobId\":", GenerationRequest.class));
        assertTrue(malformed.getMessage().startsWith("malformed JSON"), malformed.getMessage());
        var wrongType = assertThrows(Contracts.InvalidMessageException.class,
                () -> Contracts.decode("{\"jobId\":\"j\",\"parameters\":{\"count\":\"many\"}}", GenerationRequest.class));
        assertTrue(wrongType.getMessage().contains("count"), wrongType.getMessage());
    }

    /** As strict as the gateway's reading of HTTP bodies: records may come from any producer. */
    @Test
    void wrongTypesDuplicatesTrailingContentAndNullAreRefusedNotCoerced() {
        for (String json : List.of(
                "{\"jobId\":\"j\",\"parameters\":{\"count\":\"4\"}}",
                "{\"jobId\":\"j\",\"parameters\":{\"count\":1.5}}",
                "{\"jobId\":\"j\",\"parameters\":{\"count\":true}}",
                "{\"jobId\":\"j\",\"parameters\":{\"count\":1,\"denoisedPreview\":\"yes\"}}",
                "{\"jobId\":\"j\",\"parameters\":{\"count\":1,\"stepSize\":\"4e-5\"}}",
                "{\"jobId\":7,\"parameters\":{\"count\":1}}",
                "{\"jobId\":\"j\",\"model\":false,\"parameters\":{\"count\":1}}",
                "{\"jobId\":\"j\",\"jobId\":\"k\",\"parameters\":{\"count\":1}}",
                "{\"jobId\":\"j\",\"parameters\":{\"count\":1}} trailing",
                "null")) {
            assertThrows(Contracts.InvalidMessageException.class, () -> Contracts.decode(json, GenerationRequest.class),
                    json);
        }
        assertTrue(assertThrows(Contracts.InvalidMessageException.class,
                () -> Contracts.decode("null", CancelRequest.class)).getMessage().contains("JSON null"));
        assertEquals(4, Contracts.decode("{\"jobId\":\"j\",\"parameters\":{\"count\":4,\"stepSize\":1E-3}}",
                GenerationRequest.class).parameters().count(), "an integer is a fine number, exponents too");
    }

    @Test
    void jobIdsAreBounded() {
        String longest = "j".repeat(GenerationRequest.MAX_JOB_ID_LENGTH);
        assertEquals(List.of(), new GenerationRequest(longest, null, SamplingParameters.defaults(1), AT).problems());
        assertEquals(List.of("jobId must be at most 128 characters, got 129"),
                new GenerationRequest(longest + "j", null, SamplingParameters.defaults(1), AT).problems());
        assertTrue(GenerationRequest.isJobId(longest));
        assertFalse(GenerationRequest.isJobId(longest + "j"));
        assertFalse(GenerationRequest.isJobId(" "));
        assertFalse(GenerationRequest.isJobId(null));
    }

    /** A dead letter must fit the dead-letter topic however large the refused record was. */
    @Test
    void deadLettersKeepTheBeginningOfLargeRecordsAndSaySo() {
        DeadLetter small = DeadLetter.of("t", 0, 1, "k", "{}", "bad", "svc", AT);
        assertEquals(new DeadLetter("t", 0, 1, "k", "{}", "bad", "svc", AT, null), small);

        String value = "x".repeat(DeadLetter.MAX_VALUE_CHARS - 1) + "\ud83d\ude00" + "y".repeat(5_000_000);
        DeadLetter big = DeadLetter.of("t", 0, 2, "K".repeat(10_000), value, "r".repeat(5000), "svc", AT);
        assertEquals(DeadLetter.MAX_VALUE_CHARS - 1, big.value().length(), "not cut inside a surrogate pair");
        assertTrue(value.startsWith(big.value()));
        assertEquals("K".repeat(DeadLetter.MAX_KEY_CHARS), big.key());
        assertEquals(DeadLetter.MAX_REASON_CHARS, big.reason().length());
        assertEquals("key: the first 256 of 10000 characters; value: the first 65535 of " + value.length()
                + " characters", big.cut());
        assertTrue(Contracts.encode(big).length() < 100_000, "fits Kafka's default 1 MB message limit");
        assertEquals(big, Contracts.decode(Contracts.encode(big), DeadLetter.class));
        assertEquals("refused (no reason given)", DeadLetter.of("t", 0, 3, null, null, " ", "svc", AT).reason());
    }

    @Test
    void outOfRangeValuesAreProblems() {
        var request = new GenerationRequest("j", null, new SamplingParameters(0, null, null, null, 5000, -1.0, null, 0, null, null), AT);
        List<String> problems = request.problems();
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("count must be between 1 and 64"));
        var inpainting = new InpaintingRequest("j", null, SamplingParameters.defaults(1),
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
        JobEvent started = new JobEvent.Started("j", 0, "sampler-1", "v1", 10, 100, 1001, 4, 4004, AT);
        String startedJson = Contracts.encode(started);
        assertTrue(startedJson.startsWith("{\"type\":\"started\",\"jobId\":\"j\",\"sequence\":0,"
                + "\"worker\":\"sampler-1\""), startedJson);
        assertEquals(started, Contracts.decode(startedJson, JobEvent.class));
        assertFalse(started.terminal(), "a started job goes on");
        JobEvent restarted = new JobEvent.Restarted("j", 1013, "sampler-2", "v2", "v1", 420,
                "v1 cannot be loaded any more", AT);
        String restartedJson = Contracts.encode(restarted);
        assertTrue(restartedJson.startsWith("{\"type\":\"restarted\",\"jobId\":\"j\",\"sequence\":1013,"),
                restartedJson);
        assertEquals(restarted, Contracts.decode(restartedJson, JobEvent.class));
        assertFalse(restarted.terminal(), "a restarted job goes on");
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
