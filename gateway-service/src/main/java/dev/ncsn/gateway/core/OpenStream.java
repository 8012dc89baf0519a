package dev.ncsn.gateway.core;

/** A client's open event stream, as the node sees it: it sends the keep-alives and closes them on shutdown. */
public interface OpenStream {

    void keepAlive();

    boolean closed();

    void close();
}
