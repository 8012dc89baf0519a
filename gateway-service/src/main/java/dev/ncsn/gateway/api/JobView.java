package dev.ncsn.gateway.api;

import dev.ncsn.gateway.core.Job;
import dev.ncsn.gateway.core.JobStatus;
import com.fasterxml.jackson.annotation.JsonInclude;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

/** A job as {@code GET /v1/jobs/{id}} shows it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(name = "Job")
public record JobView(
        String id,
        @Schema(description = "generation or inpainting") String kind,
        @Schema(enumeration = {"queued", "running", "done", "failed", "cancelled"}) JobStatus status,
        String model,
        @Schema(description = "the model version of the latest frame or of the result") String modelVersion,
        Integer count,
        @Schema(description = "noise level of the latest frame, 1 (largest σ) to levels") Integer level,
        Integer levels,
        @Schema(description = "step within the level of the latest frame") Integer step,
        Integer stepsPerLevel,
        @Schema(description = "σ of the latest frame's level") Double sigma,
        Integer completedSteps,
        Integer totalSteps,
        @Schema(description = "completedSteps / totalSteps, 0 to 1") Double progress,
        @Schema(description = "the sampler instance running the job (from its started event)") String worker,
        @Schema(description = "when a worker picked the job up (worker's clock)") Instant startedAt,
        @Schema(description = "Langevin steps per second, measured from started to the latest frame") Double stepsPerSecond,
        @Schema(description = "seconds left at the measured rate, while running") Double etaSeconds,
        @Schema(description = "when the job should end at the measured rate, while running") Instant estimatedDoneAt,
        @Schema(description = "while queued: 1 + the requests ahead of this one on its request partition that no "
                + "worker has started") Long queuePosition,
        @Schema(description = "a cancel was sent and its confirmation has not arrived yet") Boolean cancelRequested,
        @Schema(description = "why the job failed") String reason,
        @Schema(description = "set when the job went back to step 0 on the live version because its snapshot's "
                + "model version was gone from the store: why (a restarted event said so in the stream)")
        String restartReason,
        Instant submittedAt,
        Instant updatedAt,
        Links links) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Links(String self, String frames, String result, String cancel) {
    }

    public record JobList(List<JobView> jobs) {
    }

    /**
     * @param token the job's stream token, added to the frames and result links when keys are configured (an
     *              EventSource or a download link cannot send the key header); null on an open API
     */
    static JobView of(Job.Snapshot s, Long queuePosition, String token) {
        return of(s, queuePosition, token, Instant.now());
    }

    static JobView of(Job.Snapshot s, Long queuePosition, String token, Instant now) {
        String base = "/v1/jobs/" + s.id();
        String query = token == null ? "" : "?token=" + token;
        Double progress = null;
        if (s.status() == JobStatus.DONE) {
            progress = 1.0;
        } else if (s.completedSteps() != null && s.totalSteps() != null && s.totalSteps() > 0) {
            progress = Math.min(1.0, s.completedSteps() / (double) s.totalSteps());
        } else if (s.status() == JobStatus.QUEUED) {
            progress = 0.0;
        }
        boolean pendingCancel = s.cancelRequested() && !s.status().terminal();
        Instant doneAt = s.estimatedDoneAt();
        Double eta = doneAt == null ? null : Math.max(0, doneAt.toEpochMilli() - now.toEpochMilli()) / 1000.0;
        return new JobView(s.id(), s.kind(), s.status(), s.model(), s.modelVersion(), s.count(), s.level(), s.levels(),
                s.step(), s.stepsPerLevel(), s.sigma(), s.completedSteps(), s.totalSteps(), progress, s.worker(),
                s.startedAt(), s.stepsPerSecond(), eta, doneAt,
                s.status() == JobStatus.QUEUED ? queuePosition : null, pendingCancel ? Boolean.TRUE : null, s.reason(),
                s.restartReason(), s.submittedAt(), s.updatedAt(),
                new Links(base, base + "/frames" + query, s.status() == JobStatus.DONE ? base + "/result.png" + query : null,
                        s.status().terminal() ? null : base));
    }
}
