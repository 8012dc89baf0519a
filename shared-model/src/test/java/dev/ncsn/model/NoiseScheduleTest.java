package dev.ncsn.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class NoiseScheduleTest {

    @Test
    void imageScheduleIsTheGeometricProgressionFromOneToOneHundredth() {
        double[] s = NoiseSchedule.IMAGES.sigmas();
        assertEquals(10, s.length);
        assertEquals(1.0, s[0], 0.0);
        assertEquals(0.01, s[9], 0.0);
        // ratio (0.01)^(1/9) ≈ 0.5994842503
        for (int i = 1; i < 10; i++) {
            assertEquals(0.5994842503189409, s[i] / s[i - 1], 1e-12);
        }
        assertEquals(0.5994842503189409, s[1], 1e-12);
        assertEquals(0.07742636826811269, s[5], 1e-12); // 10^(−10/9), as numpy.geomspace(1, 0.01, 10)[5]
        assertEquals(0.21544346900318834, s[3], 1e-12);
    }

    @Test
    void stepSizesScaleWithSigmaSquaredOverSigmaLSquared() {
        NoiseSchedule schedule = NoiseSchedule.IMAGES;
        assertEquals(4e-5, schedule.stepSize(9, 4e-5), 1e-18);
        assertEquals(4e-5 * 1e4, schedule.stepSize(0, 4e-5), 1e-12);
        assertEquals(2e-5 * Math.pow(schedule.sigma(3) / 0.01, 2), schedule.stepSize(3, 2e-5), 1e-15);
    }

    @Test
    void toyScheduleMatchesTheReferenceGeomspace() {
        double[] s = NoiseSchedule.TOY.sigmas();
        assertEquals(20.0, s[0], 0.0);
        assertEquals(1.0, s[9], 0.0);
        assertEquals(Math.exp(Math.log(20) * 8 / 9), s[1], 1e-12);
    }

    @Test
    void jsonRoundTrip() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String text = json.writeValueAsString(NoiseSchedule.IMAGES);
        assertEquals("{\"sigmaMax\":1.0,\"sigmaMin\":0.01,\"levels\":10}", text);
        assertEquals(NoiseSchedule.IMAGES, json.readValue(text, NoiseSchedule.class));
    }

    @Test
    void rejectsSchedulesThatAreNotDecreasingOrPositive() {
        assertThrows(IllegalArgumentException.class, () -> new NoiseSchedule(0.01, 1.0, 10));
        assertThrows(IllegalArgumentException.class, () -> new NoiseSchedule(1.0, 0.0, 10));
        assertThrows(IllegalArgumentException.class, () -> new NoiseSchedule(1.0, 0.01, 0));
        assertThrows(IndexOutOfBoundsException.class, () -> NoiseSchedule.IMAGES.sigma(10));
        var e = assertThrows(Exception.class, () -> new ObjectMapper().readValue(
                "{\"sigmaMax\":1.0,\"sigmaMin\":2.0,\"levels\":10}", NoiseSchedule.class));
        assertTrue(e.getMessage().contains("σmax must exceed σmin"), e.getMessage());
    }
}
