package dev.ncsn.gateway.api;

import dev.ncsn.gateway.core.Job;
import dev.ncsn.gateway.core.OpenStream;
import dev.ncsn.gateway.core.StreamEvent;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's event stream. Events are queued (they are offered under the job's lock, in sequence order) and
 * written one at a time, each after the previous write completed, so the client gets them in order whichever
 * thread offered them. The stream closes after the terminal event, when a write fails (the client went away), or
 * when more than {@code maxQueued} events wait (a client too slow to keep up; it may resume with Last-Event-ID).
 */
final class SseSubscription implements Job.Listener, OpenStream {

    private static final Object KEEP_ALIVE = new Object();

    private final SseEventSink sink;
    private final Sse sse;
    private final int maxQueued;
    private final long retryMillis;
    private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Runnable onClose = () -> { };
    private boolean first = true;

    SseSubscription(SseEventSink sink, Sse sse, int maxQueued, long retryMillis) {
        this.sink = sink;
        this.sse = sse;
        this.maxQueued = maxQueued;
        this.retryMillis = retryMillis;
    }

    void onClose(Runnable action) {
        this.onClose = action;
        if (closed.get()) {
            action.run();
        }
    }

    @Override
    public boolean closed() {
        return closed.get() || sink.isClosed();
    }

    @Override
    public boolean offer(StreamEvent event) {
        if (closed()) {
            return false;
        }
        if (queued.incrementAndGet() > maxQueued) {
            close();
            return false;
        }
        queue.add(event);
        drain();
        return true;
    }

    /** Queues an SSE comment, which keeps proxies from timing the stream out and finds clients that left. */
    @Override
    public void keepAlive() {
        if (closed()) {
            close();
            return;
        }
        queued.incrementAndGet();
        queue.add(KEEP_ALIVE);
        drain();
    }

    private void drain() {
        if (draining.compareAndSet(false, true)) {
            sendQueued();
        }
    }

    /** Writes queued events until one write has not completed yet; its completion continues. */
    private void sendQueued() {
        while (true) {
            Object item = queue.poll();
            if (item == null) {
                draining.set(false);
                if (!queue.isEmpty() && draining.compareAndSet(false, true)) {
                    continue;
                }
                return;
            }
            queued.decrementAndGet();
            if (closed()) {
                close();
                return;
            }
            boolean terminal = item instanceof StreamEvent e && e.terminal();
            CompletableFuture<?> written;
            try {
                written = sink.send(build(item)).toCompletableFuture();
            } catch (RuntimeException e) {
                close();
                return;
            }
            if (written.isDone()) {
                if (written.isCompletedExceptionally() || terminal) {
                    close();
                    return;
                }
                continue;
            }
            written.whenComplete((ok, error) -> {
                if (error != null || terminal) {
                    close();
                } else {
                    sendQueued();
                }
            });
            return;
        }
    }

    private OutboundSseEvent build(Object item) {
        if (item == KEEP_ALIVE) {
            return sse.newEventBuilder().comment("keep-alive").build();
        }
        StreamEvent e = (StreamEvent) item;
        OutboundSseEvent.Builder b = sse.newEventBuilder().id(Long.toString(e.id())).name(e.name()).data(e.data());
        if (first) {
            b.reconnectDelay(retryMillis);
            first = false;
        }
        return b.build();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                sink.close();
            } catch (RuntimeException e) {
                // already gone
            }
            onClose.run();
        }
    }
}
