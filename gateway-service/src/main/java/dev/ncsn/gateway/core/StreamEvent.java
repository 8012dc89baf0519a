package dev.ncsn.gateway.core;

/**
 * One event of a job's stream as it goes out over SSE: {@code id} is the job's event sequence, {@code name} the
 * SSE event name ({@code started}, {@code frame}, {@code restarted}, {@code done}, {@code failed}, {@code cancelled}),
 * {@code data} its JSON.
 */
public record StreamEvent(long id, String name, int level, String data) {

    public boolean terminal() {
        return "done".equals(name) || "failed".equals(name) || "cancelled".equals(name);
    }

    /** Approximate heap size, for the buffer's byte budget. */
    public long bytes() {
        return 64L + 2L * data.length();
    }
}
