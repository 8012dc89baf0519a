package dev.ncsn.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ncsn.model.quality.QualityMeter;

import java.util.List;
import java.util.Locale;

/** A {@link QualityMeter.Report} as JSON fields and as a readable summary. */
final class QualityJson {

    static final ObjectMapper JSON = new ObjectMapper();

    private QualityJson() {
    }

    /** The report's figures put into {@code into}. */
    static ObjectNode put(ObjectNode into, QualityMeter.Report r, List<String> classNames) {
        into.put("count", r.count());
        into.put("fid", round(r.fid(), 4));
        into.put("kid", round(r.kid().mean(), 6));
        into.put("kidStd", round(r.kid().std(), 6));
        into.put("kidSubsets", r.kid().subsets());
        into.put("kidSubsetSize", r.kid().subsetSize());
        into.put("inceptionScore", round(r.inceptionScore().mean(), 4));
        into.put("inceptionScoreStd", round(r.inceptionScore().std(), 4));
        into.put("inceptionScoreSplits", r.inceptionScore().splits());
        ObjectNode histogram = into.putObject("classHistogram");
        int[] counts = r.histogram().counts();
        for (int c = 0; c < counts.length; c++) {
            histogram.put(classNames.get(c), counts[c]);
        }
        return into;
    }

    /** Several lines: the figures, then the histogram as percentages. */
    static String summary(QualityMeter.Report r, List<String> classNames) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%,d images: FID %.3f   KID×10³ %.3f ± %.3f (%d subsets of %d)   "
                        + "IS %.3f ± %.3f (%d splits)%n", r.count(), r.fid(), 1e3 * r.kid().mean(), 1e3 * r.kid().std(),
                r.kid().subsets(), r.kid().subsetSize(), r.inceptionScore().mean(), r.inceptionScore().std(),
                r.inceptionScore().splits()));
        double[] f = r.histogram().fractions();
        sb.append("classes:");
        for (int c = 0; c < f.length; c++) {
            sb.append(String.format(Locale.ROOT, " %s %.1f%%", classNames.get(c), 100 * f[c]));
        }
        return sb.toString();
    }

    static double round(double v, int digits) {
        double scale = Math.pow(10, digits);
        return Math.round(v * scale) / scale;
    }
}
