package dev.ncsn.sampler.core;

import ai.djl.ndarray.NDManager;
import dev.ncsn.model.checkpoint.CheckpointManifest;
import dev.ncsn.model.contract.SamplingParameters;
import dev.ncsn.model.net.Architecture;
import dev.ncsn.model.net.NcsnV2ScoreNetwork;
import dev.ncsn.model.net.ScoreNetworks;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks and defaults a request gets from the version that serves it. */
class JobRequestTest {

    /** The tiny network in the NCSNv2 family. */
    private static final Architecture TINY_V2 = TestModels.TINY.withFamily(NcsnV2ScoreNetwork.FAMILY_NAME);

    private static JobRequest request(Boolean finalDenoise) {
        return new JobRequest("j", "m", new SamplingParameters(2, 1L, null, null, 3, null, null, null, null,
                finalDenoise), null, null, new JobRequest.RecordPosition("t", 0, 0), "j", "{}");
    }

    private static ServedModel served(Architecture architecture) {
        NDManager manager = NDManager.newBaseManager();
        var net = ScoreNetworks.create(architecture, TestModels.SCHEDULE, manager, 1);
        CheckpointManifest manifest = CheckpointManifest.of("m", "v1", architecture, TestModels.SCHEDULE,
                CheckpointManifest.DataShape.of(architecture), 1, true, Instant.now());
        return new ServedModel(manifest, manager, net);
    }

    @Test
    void theFinalDenoisingStepIsOnByDefaultForNcsnv2AndOffForNcsnAndARequestDecides() {
        ServedModel v2 = served(TINY_V2);
        ServedModel ncsn = served(TestModels.TINY);
        try {
            var onByDefault = request(null).prepare(v2).spec();
            assertTrue(onByDefault.finalDenoise(), "NCSNv2 samples end with the noise-free step");
            assertEquals(10 * 3 + 1, v2.sampler().networkEvaluations(onByDefault), "which costs one evaluation more");
            assertFalse(request(false).prepare(v2).spec().finalDenoise(), "unless the request turns it off");
            assertFalse(request(null).prepare(ncsn).spec().finalDenoise(), "NCSN samples end without it");
            assertTrue(request(true).prepare(ncsn).spec().finalDenoise(), "unless the request turns it on");
        } finally {
            v2.release();
            ncsn.release();
        }
    }
}
