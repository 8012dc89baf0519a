package dev.ncsn.gateway.core;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ncsn.model.contract.JobEvent;

import java.time.Instant;

/** The JSON {@code data} of each SSE event; images are PNG data URLs a browser can show directly. */
public final class EventData {

    public static final String PNG_DATA_URL = "data:image/png;base64,";

    private EventData() {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Started(String jobId, long sequence, String worker, String modelVersion, int levels,
                          int stepsPerLevel, int totalSteps, int count, Instant at) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Frame(String jobId, long sequence, int level, int levels, double sigma, int step, int stepsPerLevel,
                 int completedSteps, int totalSteps, String modelVersion, String image, String denoised, Instant at) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Restarted(String jobId, long sequence, String worker, String modelVersion, String previousVersion,
                            int previousCompletedSteps, String reason, Instant at) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Done(String jobId, long sequence, String modelVersion, int count, String image, String result, Instant at) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Failed(String jobId, long sequence, String reason, Instant at) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cancelled(String jobId, long sequence, Instant at) {
    }

    public static StreamEvent of(JobEvent event) {
        if (event instanceof JobEvent.Started s) {
            return new StreamEvent(s.sequence(), "started", 0, Json.write(new Started(s.jobId(), s.sequence(),
                    s.worker(), s.modelVersion(), s.levels(), s.stepsPerLevel(), s.totalSteps(), s.count(), s.at())));
        }
        if (event instanceof JobEvent.Frame f) {
            return new StreamEvent(f.sequence(), "frame", f.level(), Json.write(new Frame(f.jobId(), f.sequence(),
                    f.level(), f.levels(), f.sigma(), f.step(), f.stepsPerLevel(), f.completedSteps(), f.totalSteps(),
                    f.modelVersion(), dataUrl(f.image()), dataUrl(f.denoised()), f.at())));
        }
        if (event instanceof JobEvent.Restarted r) {
            return new StreamEvent(r.sequence(), "restarted", 0, Json.write(new Restarted(r.jobId(), r.sequence(),
                    r.worker(), r.modelVersion(), r.previousVersion(), r.previousCompletedSteps(), r.reason(),
                    r.at())));
        }
        if (event instanceof JobEvent.Done d) {
            return new StreamEvent(d.sequence(), "done", 0, Json.write(new Done(d.jobId(), d.sequence(),
                    d.modelVersion(), d.images() == null ? 0 : d.images().size(), dataUrl(d.image()),
                    "/v1/jobs/" + d.jobId() + "/result.png", d.at())));
        }
        if (event instanceof JobEvent.Failed x) {
            return new StreamEvent(x.sequence(), "failed", 0,
                    Json.write(new Failed(x.jobId(), x.sequence(), x.reason(), x.at())));
        }
        JobEvent.Cancelled c = (JobEvent.Cancelled) event;
        return new StreamEvent(c.sequence(), "cancelled", 0, Json.write(new Cancelled(c.jobId(), c.sequence(), c.at())));
    }

    public static String dataUrl(String base64Png) {
        return base64Png == null ? null : PNG_DATA_URL + base64Png;
    }
}
