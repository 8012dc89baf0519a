package dev.ncsn.trainer.core;

import dev.ncsn.model.NoiseSchedule;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.train.TrainingConfig;
import dev.ncsn.trainer.config.RunDefaults;
import dev.ncsn.trainer.data.DatasetRef;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RunRequestTest {

    private static final RunDefaults DEFAULTS = RunDefaults.standard();

    private static String error(String json) {
        return assertThrows(InvalidRunException.class, () -> RunRequest.parse(json).toSpec(DEFAULTS)).getMessage();
    }

    @Test
    void aMinimalRequestGetsThePapersSettingsAndTheConfiguredDefaults() {
        RunSpec spec = RunRequest.parse("{\"model\":\"fashion-mnist\",\"data\":{\"dataset\":\"fashion-mnist\"}}")
                .toSpec(DEFAULTS);
        assertEquals("fashion-mnist", spec.model());
        assertEquals(DatasetRef.dataset("fashion-mnist", "latest"), spec.data());
        assertEquals(Architecture.preset("compact"), spec.architecture());
        assertEquals(TrainingConfig.Objective.DSM, spec.objective());
        assertEquals(1e-3, spec.learningRate());
        assertEquals(0.999, spec.emaRate());
        assertEquals(64, spec.batchSize());
        assertEquals(10_000, spec.steps());
        assertEquals(1_000, spec.checkpointEvery());
        assertEquals(RunSpec.Init.SCRATCH, spec.init());
        assertFalse(spec.continuous());
        assertTrue(spec.runId().matches("run-\\d{8}-\\d{6}-[0-9a-f]{4}"), spec.runId());
    }

    @Test
    void everyFieldCanBeGiven() {
        RunSpec spec = RunRequest.parse("""
                {"runId":"r1","model":"m","data":{"prefix":"uploads/x"},"heldOut":{"path":"/tmp/h"},
                 "init":"LIVE","continuous":false,"architecture":{"channels":3,"imageSize":32,"ngf":8},
                 "objective":"ssm","batchSize":16,"steps":50,"learningRate":0.0005,"emaRate":0.9,"seed":3,
                 "randomFlip":true,"checkpointEvery":10,"previewCount":4,"previewStepsPerLevel":5}""")
                .toSpec(DEFAULTS);
        assertEquals("r1", spec.runId());
        assertEquals("uploads/x/", spec.data().prefix(), "a prefix ends in '/'");
        assertEquals("/tmp/h", spec.heldOut().path());
        assertEquals(RunSpec.Init.LIVE, spec.init());
        assertEquals(new Architecture("custom", 3, 32, 8, 10), spec.architecture());
        assertEquals(TrainingConfig.Objective.SSM, spec.objective());
        assertEquals(0.9, spec.trainingConfig().emaRate());
        assertTrue(spec.randomFlip());
        assertEquals(4, spec.previewCount());
    }

    @Test
    void theScheduleIsTheFamilysDefaultGivenOrLeftToTheDesigner() {
        String data = "\"model\":\"m\",\"data\":{\"dataset\":\"d\"}";
        RunSpec ncsn = RunRequest.parse("{" + data + ",\"preset\":\"compact\"}").toSpec(DEFAULTS);
        assertEquals(NoiseSchedule.IMAGES, ncsn.schedule(), "NCSN trains on the paper's schedule");
        assertFalse(ncsn.designsSchedule());

        RunSpec v2 = RunRequest.parse("{" + data + ",\"preset\":\"ncsnv2-compact\"}").toSpec(DEFAULTS);
        assertNull(v2.schedule(), "designed from the data when the run first trains");
        assertTrue(v2.designsSchedule());
        RunSpec custom = RunRequest.parse("{" + data + ",\"architecture\":{\"family\":\"ncsnv2\",\"channels\":1,"
                + "\"imageSize\":28,\"ngf\":4}}").toSpec(DEFAULTS);
        assertEquals(new Architecture("ncsnv2", "custom", 1, 28, 4, 10), custom.architecture());
        assertTrue(custom.designsSchedule());

        RunSpec given = RunRequest.parse("{" + data + ",\"preset\":\"ncsnv2-compact\",\"schedule\":{\"sigmaMax\":5,"
                + "\"sigmaMin\":0.02,\"levels\":12}}").toSpec(DEFAULTS);
        assertEquals(new NoiseSchedule(5, 0.02, 12), given.schedule());
        assertEquals(12, given.architecture().levels(), "the network takes the schedule's level count");
        assertFalse(given.designsSchedule());
        assertEquals(given.schedule(), given.trainingConfig().schedule());

        assertTrue(error("{" + data + ",\"schedule\":{\"sigmaMax\":5,\"levels\":12}}")
                .contains("schedule needs sigmaMax, sigmaMin and levels"));
        assertTrue(error("{" + data + ",\"schedule\":{\"sigmaMax\":0.001,\"sigmaMin\":0.01,\"levels\":12}}")
                .startsWith("schedule: "));
        assertTrue(error("{" + data + ",\"architecture\":{\"family\":\"ncsn3\",\"channels\":1,\"imageSize\":28,"
                + "\"ngf\":4}}").contains("architecture.family: unknown network family 'ncsn3'"));
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"stpes\":5}").contains("stpes"));
        assertTrue(error("{\"data\":{\"dataset\":\"d\"}}").contains("model is required"));
        assertTrue(error("{\"model\":\"m\"}").contains("data is required"));
        assertTrue(error("{\"model\":\"m/x\",\"data\":{\"dataset\":\"d\"}}").contains("model name"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\",\"path\":\"/x\"}}").contains("exactly one"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\",\"version\":\"3\"}}").contains("v1, v2"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"steps\":0}").contains("steps"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"batchSize\":-1}").contains("batchSize"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"emaRate\":1}").contains("emaRate"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"preset\":\"huge\"}").contains("huge"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"objective\":\"mle\"}").contains("dsm"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"path\":\"/d\"},\"continuous\":true}").contains("continuous"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"runId\":\"a b\"}").contains("runId"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"preset\":\"compact\","
                + "\"architecture\":{\"channels\":1,\"imageSize\":28,\"ngf\":4}}").contains("not both"));
        assertTrue(error("{\"model\":\"m\",\"data\":{\"dataset\":\"d\"},\"steps\":\"many\"}").contains("steps"));
        assertTrue(error("not json").toLowerCase().contains("json"));
        assertTrue(error("").contains("empty"));
    }

    @Test
    void versionIdsSortInPublicationOrder() {
        String a = VersionIds.next(900, "r");
        String b = VersionIds.next(12, "r");
        String c = VersionIds.next(12, "another-run");
        assertTrue(a.compareTo(b) < 0 && b.compareTo(c) < 0, a + " " + b + " " + c);
        assertTrue(a.matches("\\d{8}-\\d{6}-\\d{3}-step000000900-r"), a);
        dev.ncsn.model.store.ModelStore.requireName(c, "version");
    }
}
