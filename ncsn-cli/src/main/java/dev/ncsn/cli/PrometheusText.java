package dev.ncsn.cli;

/** Reads sums out of a Prometheus text exposition (what {@code /q/metrics} answers), without a client library. */
final class PrometheusText {

    private PrometheusText() {
    }

    /**
     * The sum of every sample of {@code metric} (the exact name, any labels) whose labels contain {@code labels}
     * (e.g. {@code from="snapshot"}, or "" for all); 0 when there is none.
     */
    static double sum(String text, String metric, String labels) {
        double total = 0;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#' || !line.startsWith(metric)) {
                continue;
            }
            String rest = line.substring(metric.length());
            String labelPart = "";
            if (rest.startsWith("{")) {
                int end = rest.indexOf('}');
                if (end < 0) {
                    continue;
                }
                labelPart = rest.substring(1, end);
                rest = rest.substring(end + 1);
            } else if (!rest.startsWith(" ")) {
                continue; // another metric whose name starts with this one
            }
            if (!labelPart.contains(labels)) {
                continue;
            }
            String[] fields = rest.trim().split("\\s+");
            try {
                total += Double.parseDouble(fields[0]);
            } catch (NumberFormatException e) {
                // NaN or garbage: skipped
            }
        }
        return total;
    }
}
