package dev.ncsn.sampler.kafka;

import dev.ncsn.sampler.config.SamplerSettings;
import dev.ncsn.sampler.core.ModelReloader;
import dev.ncsn.sampler.core.RecentCancels;
import dev.ncsn.sampler.core.SamplingWorker;

import dev.ncsn.model.contract.CancelRequest;
import dev.ncsn.model.contract.Contracts;
import dev.ncsn.model.contract.DeadLetter;
import dev.ncsn.model.contract.GenerationRequest;
import dev.ncsn.model.contract.ModelUpdate;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * Handles the topics every worker reads in full: cancels from the control topic and model updates. Whoever
 * consumes those topics (SmallRye channels in the service, plain consumers in tests) hands each record here.
 * A message that cannot be read goes to the dead-letter topic; nothing stops the stream.
 */
public final class ControlMessages {

    private static final Logger LOG = Logger.getLogger(ControlMessages.class);

    private final RecentCancels cancels;
    private final SamplingWorker worker;
    private final ModelReloader reloader;
    private final DeadLetterSink deadLetters;

    public ControlMessages(RecentCancels cancels, SamplingWorker worker, ModelReloader reloader,
                           DeadLetterSink deadLetters) {
        this.cancels = cancels;
        this.worker = worker;
        this.reloader = reloader;
        this.deadLetters = deadLetters;
    }

    /** A record of the control topic: a {@link CancelRequest} keyed by job id. */
    public void onControl(String topic, int partition, long offset, String key, String value) {
        CancelRequest cancel;
        try {
            cancel = Contracts.decode(requireSize(value), CancelRequest.class);
            if (cancel.jobId() == null || cancel.jobId().isBlank()) {
                throw new IllegalArgumentException("jobId is missing");
            }
            if (!GenerationRequest.isJobId(cancel.jobId())) {
                // Remembered cancels are bounded in number; bounding each id bounds their memory.
                throw new IllegalArgumentException("jobId must be at most " + GenerationRequest.MAX_JOB_ID_LENGTH
                        + " characters, got " + cancel.jobId().length());
            }
        } catch (IllegalArgumentException e) {
            deadLetter(topic, partition, offset, key, value, "invalid cancel request: " + e.getMessage());
            return;
        }
        cancel(cancel.jobId());
    }

    /** Cancels a job now if this worker runs it, and remembers the id for a request that comes later. */
    public void cancel(String jobId) {
        cancels.add(jobId); // first, see SamplingWorker.submit
        if (worker.cancel(jobId)) {
            LOG.infof("cancelling job %s", jobId);
        }
    }

    /** A record of the model-updates topic: a {@link ModelUpdate} keyed by model name. */
    public void onModelUpdate(String topic, int partition, long offset, String key, String value) {
        ModelUpdate update;
        try {
            update = Contracts.decode(requireSize(value), ModelUpdate.class);
            if (update.model() == null || update.model().isBlank()) {
                throw new IllegalArgumentException("model is missing");
            }
        } catch (IllegalArgumentException e) {
            deadLetter(topic, partition, offset, key, value, "invalid model update: " + e.getMessage());
            return;
        }
        LOG.infof("model update: %s version %s", head(update.model()), head(update.version()));
        reloader.onUpdate(update);
    }

    private static String head(String s) {
        return s == null || s.length() <= 80 ? s : s.substring(0, 80) + "…";
    }

    /** Holds control messages to the requests' bound: they are tiny, so anything larger is refused unread. */
    private static String requireSize(String value) {
        if (value != null && value.length() > Contracts.MAX_REQUEST_CHARS) {
            throw new IllegalArgumentException("the message has " + value.length() + " characters, over the limit of "
                    + Contracts.MAX_REQUEST_CHARS);
        }
        return value;
    }

    private void deadLetter(String topic, int partition, long offset, String key, String value, String reason) {
        DeadLetter letter = DeadLetter.of(topic, partition, offset, key, value, reason, SamplerSettings.SERVICE,
                Instant.now());
        LOG.warnf("dead letter from %s-%d@%d: %s", topic, partition, offset, letter.reason());
        deadLetters.publish(letter).whenComplete((ok, error) -> {
                    if (error != null) {
                        LOG.errorf("could not store a dead letter from %s-%d@%d: %s", topic, partition, offset, error);
                    }
                });
    }
}
