package dev.ncsn.model.contract;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A message a service could not understand, kept on {@link Topics#DEAD_LETTER} with where it came from and
 * why it was refused, so nothing is lost silently.
 *
 * <p>A refused record may be as large as its topic allows (megabytes of junk), and a dead letter must still fit the
 * dead-letter topic's default message limit: a dead letter that cannot be stored would leave the refused request
 * uncommitted, read again at every restart. {@link #of} therefore keeps at most {@value #MAX_VALUE_CHARS} characters
 * of the value, {@value #MAX_KEY_CHARS} of the key and {@value #MAX_REASON_CHARS} of the reason, and says in
 * {@code cut} what it left out.
 *
 * @param cut what was left out of a record too large to keep whole, e.g. {@code "value: the first 65536 of 5000000
 *            characters"}; absent when the record is kept whole
 */
public record DeadLetter(String topic, int partition, long offset, String key, String value, String reason,
                         String service, Instant at, String cut) {

    public static final int MAX_VALUE_CHARS = 64 * 1024;
    public static final int MAX_KEY_CHARS = 256;
    public static final int MAX_REASON_CHARS = 2000;

    /** A dead letter of the record at topic-partition@offset, cut to the limits above. */
    public static DeadLetter of(String topic, int partition, long offset, String key, String value, String reason,
                                String service, Instant at) {
        List<String> cut = new ArrayList<>();
        String k = shorten(key, MAX_KEY_CHARS, "key", cut);
        String v = shorten(value, MAX_VALUE_CHARS, "value", cut);
        return new DeadLetter(topic, partition, offset, k, v, reason(reason), service, at,
                cut.isEmpty() ? null : String.join("; ", cut));
    }

    /** A reason as dead letters (and the failed events beside them) carry it: at most {@value #MAX_REASON_CHARS}. */
    public static String reason(String reason) {
        if (reason == null || reason.isBlank()) {
            return "refused (no reason given)";
        }
        return reason.length() <= MAX_REASON_CHARS ? reason : prefix(reason, MAX_REASON_CHARS - 1) + "…";
    }

    private static String shorten(String s, int max, String what, List<String> cut) {
        if (s == null || s.length() <= max) {
            return s;
        }
        String kept = prefix(s, max);
        cut.add(what + ": the first " + kept.length() + " of " + s.length() + " characters");
        return kept;
    }

    /** At most {@code max} chars, not ending inside a surrogate pair. */
    private static String prefix(String s, int max) {
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end);
    }
}
