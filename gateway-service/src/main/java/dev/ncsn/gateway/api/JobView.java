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
        @Schema(description = "while queued: 1 + the requests ahead of this one on its request partition that no "
                + "worker has started") Long queuePosition,
        @Schema(description = "a cancel was sent and its confirmation has not arrived yet") Boolean cancelRequested,
        @Schema(description = "why the job failed") String reason,
        Instant submittedAt,
        Instant updatedAt,
        Links links) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Links(String self, String frames, String result, String cancel) {
    }

    public record JobList(List<JobView> jobs) {
    }

    static JobView of(Job.Snapshot s, Long queuePosition) {
        String base = "/v1/jobs/" + s.id();
        Double progress = null;
        if (s.status() == JobStatus.DONE) {
            progress = 1.0;
        } else if (s.completedSteps() != null && s.totalSteps() != null && s.totalSteps() > 0) {
            progress = Math.min(1.0, s.completedSteps() / (double) s.totalSteps());
        } else if (s.status() == JobStatus.QUEUED) {
            progress = 0.0;
        }
        boolean pendingCancel = s.cancelRequested() && !s.status().terminal();
        return new JobView(s.id(), s.kind(), s.status(), s.model(), s.modelVersion(), s.count(), s.level(), s.levels(),
                s.step(), s.stepsPerLevel(), s.sigma(), s.completedSteps(), s.totalSteps(), progress,
                s.status() == JobStatus.QUEUED ? queuePosition : null, pendingCancel ? Boolean.TRUE : null, s.reason(),
                s.submittedAt(), s.updatedAt(),
                new Links(base, base + "/frames", s.status() == JobStatus.DONE ? base + "/result.png" : null,
                        s.status().terminal() ? null : base));
    }
}
