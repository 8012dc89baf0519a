package dev.ncsn.trainer.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Version ids that sort in publication order: {@code yyyyMMdd-HHmmss-SSS-stepNNNNNNNNN-RUN}, UTC, e.g.
 * {@code 20261122-030000-123-step000001200-run-20261122-020000-3f2a}. The time comes first, so ids of different
 * runs of a model (and of a continuous run whose step count restarts from the live version) still sort by when
 * they were published; within this JVM ids are strictly increasing even within one millisecond. The step and the
 * run make an id readable and unique.
 */
public final class VersionIds {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final AtomicLong LAST = new AtomicLong();

    private VersionIds() {
    }

    public static String next(long step, String runId) {
        long now = System.currentTimeMillis();
        long millis = LAST.updateAndGet(last -> Math.max(last + 1, now));
        return TIME.format(Instant.ofEpochMilli(millis)) + String.format(Locale.ROOT, "-step%09d-", step) + runId;
    }
}
