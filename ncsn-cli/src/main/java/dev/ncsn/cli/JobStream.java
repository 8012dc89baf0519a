package dev.ncsn.cli;

import dev.ncsn.model.contract.JobEvent;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One job's events as they are on the frames topic, in topic order, and what `ncsn chaos` reads off them: whether
 * it ended and how, the worker that took it up, how far it got, how many steps were computed twice (frames whose
 * sequence number came before: with a frame every step, one frame is one step) and when the first event after a
 * fault came.
 */
record JobStream(String jobId, List<JobEvent> events) {

    JobStream {
        events = List.copyOf(events);
    }

    /** The first terminal event, if the job has ended. */
    Optional<JobEvent> terminal() {
        return events.stream().filter(JobEvent::terminal).findFirst();
    }

    boolean done() {
        return terminal().filter(e -> e instanceof JobEvent.Done).isPresent();
    }

    /** The worker of the job's first {@code started} event. */
    Optional<String> startedBy() {
        return events.stream().filter(e -> e instanceof JobEvent.Started).map(e -> ((JobEvent.Started) e).worker())
                .findFirst();
    }

    /** When the job was first taken up (its first event). */
    Optional<Instant> startedAt() {
        return events.isEmpty() ? Optional.empty() : Optional.of(events.get(0).at());
    }

    /** Steps done so far, of {@link #totalSteps()}: the largest {@code completedSteps} of its frames. */
    int completedSteps() {
        return events.stream().filter(e -> e instanceof JobEvent.Frame).mapToInt(e -> ((JobEvent.Frame) e).completedSteps())
                .max().orElse(0);
    }

    int totalSteps() {
        return events.stream().filter(e -> e instanceof JobEvent.Started).mapToInt(e -> ((JobEvent.Started) e).totalSteps())
                .findFirst().orElse(0);
    }

    /** Frames whose sequence an earlier event of the job had: steps a second worker computed again. */
    long repeatedFrames() {
        Set<Long> seen = new HashSet<>();
        long repeated = 0;
        for (JobEvent e : events) {
            if (!seen.add(e.sequence()) && e instanceof JobEvent.Frame) {
                repeated++;
            }
        }
        return repeated;
    }

    /** Whether the job had ended by {@code when} (its terminal event was made before it). */
    boolean endedBefore(Instant when) {
        return terminal().filter(t -> t.at().isBefore(when)).isPresent();
    }

    /** From {@code when} to the first event made at or after it (the next owner's first), or empty. */
    Optional<Duration> firstEventAfter(Instant when) {
        return events.stream().filter(e -> !e.at().isBefore(when)).findFirst()
                .map(e -> Duration.between(when, e.at()));
    }
}
