package dev.ncsn.gateway;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client as the spec describes one: reads {@code id:}, {@code event:}, {@code data:} lines
 * into events on a thread of its own; {@link #close()} drops the connection (as a browser that navigates away).
 */
final class SseClient implements AutoCloseable {

    record Event(String id, String name, String data) {
        long sequence() {
            return Long.parseLong(id);
        }

        boolean terminal() {
            return !"frame".equals(name) && !"started".equals(name);
        }
    }

    private static final Event END = new Event("", "", "");

    final int status;
    final String contentType;
    private final InputStream body;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final List<String> comments = new ArrayList<>();
    private final Thread reader;
    private volatile boolean ended;

    SseClient(Http http, String path, String lastEventId) {
        HttpRequest.Builder b = http.builder(path).header("Accept", "text/event-stream").timeout(Duration.ofMinutes(5));
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response;
        try {
            response = Http.CLIENT.send(b.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
        status = response.statusCode();
        contentType = response.headers().firstValue("Content-Type").orElse("");
        body = response.body();
        reader = new Thread(this::read, "test-sse-" + URI.create(http.url(path)).getPath());
        reader.setDaemon(true);
        reader.start();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String id = null;
            String name = "message";
            StringBuilder data = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data != null) {
                        events.add(new Event(id, name, data.toString()));
                    }
                    name = "message";
                    data = null;
                } else if (line.startsWith(":")) {
                    synchronized (comments) {
                        comments.add(line.substring(1).strip());
                    }
                } else {
                    int colon = line.indexOf(':');
                    String field = colon < 0 ? line : line.substring(0, colon);
                    String value = colon < 0 ? "" : line.substring(colon + 1);
                    if (value.startsWith(" ")) {
                        value = value.substring(1);
                    }
                    switch (field) {
                        case "id" -> id = value;
                        case "event" -> name = value;
                        case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                        default -> { }
                    }
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            ended = true;
            events.add(END);
        }
    }

    /** The next event, or null when the stream ended or nothing came within the timeout. */
    Event next(Duration timeout) {
        try {
            Event e = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return e == END ? null : e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Events up to and including the first terminal one; fails when the stream stalls or ends before it. */
    List<Event> untilTerminal(Duration timeout) {
        List<Event> out = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Event e = left <= 0 ? null : next(Duration.ofNanos(left));
            if (e == null) {
                throw new AssertionError("no terminal event within " + timeout + " (stream ended: " + ended
                        + "); got " + out.stream().map(x -> x.name() + "#" + x.id()).toList());
            }
            out.add(e);
            if (e.terminal()) {
                return out;
            }
        }
    }

    /** True when the server ended the stream within the timeout. */
    boolean awaitEnd(Duration timeout) {
        try {
            reader.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ended;
    }

    List<String> comments() {
        synchronized (comments) {
            return new ArrayList<>(comments);
        }
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // gone
        }
    }
}
