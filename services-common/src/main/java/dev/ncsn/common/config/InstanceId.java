package dev.ncsn.common.config;

import java.net.InetAddress;
import java.util.UUID;

/**
 * A process's default name (Kafka client ids, dead-letter sources, logs): the host name (a pod's name on
 * Kubernetes) and a short random suffix, so two processes on one host never share one.
 */
public final class InstanceId {

    private InstanceId() {
    }

    /** {@code HOST-xxxxxx}, or {@code fallback-xxxxxx} when the host has no name. */
    public static String generate(String fallback) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = fallback;
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 6);
    }
}
