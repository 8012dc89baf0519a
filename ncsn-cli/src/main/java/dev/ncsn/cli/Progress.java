package dev.ncsn.cli;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A progress line on stderr: a bar, what is being done, rate and time left. Redrawn in place on a terminal,
 * printed as a line every few seconds otherwise (logs, CI).
 */
final class Progress {

    private final PrintStream out;
    private final String task;
    private final long total;
    private final boolean terminal;
    private final long started = System.nanoTime();
    private long lastPrint;

    Progress(String task, long total) {
        this(System.err, task, total, System.console() != null);
    }

    Progress(PrintStream out, String task, long total, boolean terminal) {
        this.out = out;
        this.task = task;
        this.total = Math.max(1, total);
        this.terminal = terminal;
    }

    /** Reports done units out of total, with a short status such as "level 3/10 σ=0.36". */
    void update(long done, String status) {
        long now = System.nanoTime();
        boolean finished = done >= total;
        if (!finished && now - lastPrint < (terminal ? 100_000_000L : 5_000_000_000L)) {
            return;
        }
        lastPrint = now;
        double seconds = (now - started) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        long remaining = rate > 0 ? (long) ((total - done) / rate) : 0;
        int width = 30;
        int filled = (int) (width * Math.min(done, total) / total);
        String line = String.format("%s [%s%s] %d/%d %s %.1f/s, %s elapsed, ETA %s", task,
                "#".repeat(filled), " ".repeat(width - filled), done, total, status, rate,
                format(Duration.ofSeconds((long) seconds)), format(Duration.ofSeconds(remaining)));
        if (terminal) {
            out.print("\r" + line + "\u001b[K" + (finished ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    private static String format(Duration d) {
        return d.toHours() > 0
                ? String.format("%dh%02dm", d.toHours(), d.toMinutesPart())
                : String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart());
    }
}
