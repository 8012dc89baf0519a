package dev.ncsn.model.quality;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InceptionScoreTest {

    @Test
    void identicalPredictionsScoreOne() {
        double[][] p = new double[40][];
        for (int i = 0; i < p.length; i++) {
            p[i] = new double[] {0.1, 0.6, 0.3};
        }
        assertEquals(1, InceptionScore.of(p), 1e-12);
    }

    @Test
    void certainBalancedPredictionsScoreTheNumberOfClasses() {
        int classes = 10;
        double[][] p = new double[100][classes];
        for (int i = 0; i < p.length; i++) {
            p[i][i % classes] = 1;
        }
        assertEquals(classes, InceptionScore.of(p), 1e-9);
        var split = InceptionScore.estimate(p, 10);
        assertEquals(classes, split.mean(), 1e-9);
        assertEquals(0, split.std(), 1e-9);
    }

    @Test
    void randomPredictionsLieBetweenTheBounds() {
        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 50; trial++) {
            int classes = 2 + random.nextInt(9);
            double[][] p = new double[5 + random.nextInt(50)][classes];
            for (double[] row : p) {
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    row[c] = Math.pow(random.nextDouble(), 1 + random.nextInt(8));
                    sum += row[c];
                }
                for (int c = 0; c < classes; c++) {
                    row[c] /= sum;
                }
            }
            double score = InceptionScore.of(p);
            assertTrue(score >= 1 - 1e-12 && score <= classes + 1e-12, "IS " + score + " for " + classes);
        }
    }

    @Test
    void oneCertainClassScoresOneAndTheHistogramShowsIt() {
        double[][] p = new double[30][4];
        for (double[] row : p) {
            row[2] = 1;
        }
        assertEquals(1, InceptionScore.of(p), 1e-12);
        assertArrayEquals(new int[] {0, 0, 30, 0}, ClassHistogram.of(p, 4).counts());
    }
}
