package dev.ncsn.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A TCP proxy on 127.0.0.1 in front of one server, for fault tests: clients are given the proxy's port, and the test
 * makes the server unreachable ({@link #cut()}: open connections are reset, new ones refused) and reachable again
 * ({@link #restore()}, on the same port), or holds one request forever ({@link #holdWhen}) to kill its client at
 * an exact point of what it was writing. The server itself is untouched, so other clients of it (other tests) see
 * nothing.
 *
 * <p>Bytes are copied as they come, one thread per direction per connection; nothing is parsed except by a hold rule,
 * which sees the client's bytes (the start of an HTTP request carries its request line, e.g.
 * {@code PUT /bucket/key HTTP/1.1}).
 */
public final class TcpProxy implements AutoCloseable {

    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicReference<Predicate<String>> holdRule = new AtomicReference<>();
    private final AtomicReference<String> heldText = new AtomicReference<>();
    private volatile CountDownLatch held = new CountDownLatch(1);
    private volatile ServerSocket listener;
    private Thread acceptor;
    private boolean closed;

    private TcpProxy(InetSocketAddress target, int port) {
        this.target = target;
        this.port = port;
    }

    /** A proxy on a free port of 127.0.0.1 in front of {@code host:port}, accepting at once. */
    public static TcpProxy start(String host, int targetPort) {
        TcpProxy proxy = new TcpProxy(new InetSocketAddress(host, targetPort), Ports.free());
        proxy.restore();
        return proxy;
    }

    /** A proxy in front of an HTTP endpoint such as {@code http://127.0.0.1:9000}. */
    public static TcpProxy forEndpoint(String url) {
        java.net.URI uri = java.net.URI.create(url);
        return start(uri.getHost(), uri.getPort());
    }

    public int port() {
        return port;
    }

    /** The proxy as an HTTP endpoint, {@code http://127.0.0.1:PORT}. */
    public String endpoint() {
        return "http://" + Ports.HOST + ":" + port;
    }

    /** Connections accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Whether the proxy accepts connections now. */
    public synchronized boolean reachable() {
        return listener != null;
    }

    /**
     * The server becomes unreachable: every open connection is reset and new ones are refused (the port is closed),
     * until {@link #restore()}.
     */
    public synchronized void cut() {
        if (listener == null) {
            return;
        }
        closeQuietly(listener);
        listener = null;
        join(acceptor);
        acceptor = null;
        for (Socket s : open) {
            reset(s);
        }
        open.clear();
    }

    /** Accepts connections again, on the same port. */
    public synchronized void restore() {
        if (closed) {
            throw new IllegalStateException("the proxy is closed");
        }
        if (listener != null) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(InetAddress.getByName(Ports.HOST), port), 64);
                listener = s;
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new UncheckedIOException("cannot listen on port " + port + " again", e);
                }
                sleep(50);
            }
        }
        ServerSocket s = listener;
        acceptor = new Thread(() -> accept(s), "tcp-proxy-" + port);
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * From now on, a connection whose client sends bytes that {@code rule} accepts (tested on each chunk as text) is
     * held: that chunk and everything after it are never forwarded and nothing more comes back, as if the network
     * had stopped there. {@link #awaitHeld} tells when it happened.
     */
    public void holdWhen(Predicate<String> rule) {
        held = new CountDownLatch(1);
        heldText.set(null);
        holdRule.set(rule);
    }

    /** Waits until a connection was held; returns the start of the chunk that matched, or null after the timeout. */
    public String awaitHeld(Duration timeout) throws InterruptedException {
        return held.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? heldText.get() : null;
    }

    /** Stops holding new connections (those held stay held until they close). */
    public void release() {
        holdRule.set(null);
    }

    @Override
    public synchronized void close() {
        cut();
        closed = true;
    }

    private void accept(ServerSocket server) {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // cut or closed
            }
            Socket upstream = new Socket();
            try {
                upstream.connect(target, 5000);
            } catch (IOException e) {
                reset(client);
                closeQuietly(upstream);
                continue;
            }
            connections.incrementAndGet();
            open.add(client);
            open.add(upstream);
            Connection c = new Connection(client, upstream);
            start(() -> c.pump(true), "tcp-proxy-" + port + "-up");
            start(() -> c.pump(false), "tcp-proxy-" + port + "-down");
            if (listener != server) { // cut while connecting
                reset(client);
                reset(upstream);
            }
        }
    }

    /** One proxied connection; once held, neither direction forwards anything more. */
    private final class Connection {

        private final Socket client;
        private final Socket upstream;
        private volatile boolean isHeld;

        Connection(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void pump(boolean fromClient) {
            Socket from = fromClient ? client : upstream;
            Socket to = fromClient ? upstream : client;
            byte[] buffer = new byte[16 * 1024];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    if (fromClient && !isHeld && matches(buffer, n)) {
                        isHeld = true;
                    }
                    if (isHeld) {
                        continue; // swallowed: the request never reaches the server, and no answer comes
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // reset by a cut, or by either side
            }
            // Either side ending ends the connection (HTTP clients and servers do not half-close). A held connection
            // ends when its client does (killed): the server then sees it drop without the request.
            closeQuietly(from);
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }

        private boolean matches(byte[] buffer, int n) {
            Predicate<String> rule = holdRule.get();
            if (rule == null) {
                return false;
            }
            String text = new String(buffer, 0, Math.min(n, 2048), StandardCharsets.ISO_8859_1);
            if (!rule.test(text)) {
                return false;
            }
            heldText.compareAndSet(null, text.lines().findFirst().orElse(text));
            held.countDown();
            return true;
        }
    }

    private static void start(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    /** Closes with a TCP reset, as a dropped connection looks to its peer. */
    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException e) {
            // closed already
        }
        closeQuietly(s);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // best effort
        }
    }

    private static void join(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TcpProxy[127.0.0.1:" + port + " -> " + target + "]";
    }
}
