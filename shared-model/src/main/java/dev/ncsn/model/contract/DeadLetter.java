package dev.ncsn.model.contract;

import java.time.Instant;

/**
 * A message a service could not understand, kept on {@link Topics#DEAD_LETTER} with where it came from and
 * why it was refused, so nothing is lost silently.
 */
public record DeadLetter(String topic, int partition, long offset, String key, String value, String reason,
                         String service, Instant at) {
}
