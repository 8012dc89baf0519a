package dev.ncsn.gateway.core;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;

/**
 * Short-lived tokens that let a browser open one job's event stream and result without an API key in the URL
 * (an {@code EventSource} and a download link cannot set headers). A token is {@code EXPIRY.SIGNATURE}: the
 * expiry in epoch seconds and an HMAC-SHA256 of the job id and the expiry. It opens only that job's
 * {@code /frames} and {@code /result.png}, and only until it expires. Replicas that share the keys file share the
 * secret, so a token from one replica works on any.
 */
public final class StreamTokens {

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private final SecretKeySpec key;
    private final Duration ttl;
    private final Clock clock;

    public StreamTokens(byte[] secret, Duration ttl, Clock clock) {
        this.key = new SecretKeySpec(secret, "HmacSHA256");
        this.ttl = ttl;
        this.clock = clock;
    }

    public String issue(String jobId) {
        long expiry = clock.instant().plus(ttl).getEpochSecond();
        return expiry + "." + sign(jobId, expiry);
    }

    /** Whether the token was issued for this job and has not expired. */
    public boolean valid(String jobId, String token) {
        if (jobId == null || token == null) {
            return false;
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot > 19) {
            return false;
        }
        long expiry;
        try {
            expiry = Long.parseLong(token.substring(0, dot));
        } catch (NumberFormatException e) {
            return false;
        }
        if (expiry < clock.instant().getEpochSecond()) {
            return false;
        }
        byte[] expected = sign(jobId, expiry).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, token.substring(dot + 1).getBytes(StandardCharsets.US_ASCII));
    }

    private String sign(String jobId, long expiry) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            byte[] h = mac.doFinal(("ncsn-stream\n" + jobId + "\n" + expiry).getBytes(StandardCharsets.UTF_8));
            return B64.encodeToString(Arrays.copyOf(h, 18));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
