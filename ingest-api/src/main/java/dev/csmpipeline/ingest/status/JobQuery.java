package dev.csmpipeline.ingest.status;

import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.JobState;
import dev.csmpipeline.model.JobStatus;

/**
 * A page of the job list: a tenant's jobs, newest first.
 *
 * @param tenant only this tenant's jobs
 * @param state  only jobs in this state; null for all
 * @param kind   only jobs of this kind; null for sync and async jobs (narration segments are listed with their
 *               narration)
 * @param before only jobs with an id below this cursor (ids sort by creation time); null for the newest
 * @param limit  page size
 */
public record JobQuery(String tenant, JobState state, JobKind kind, String before, int limit) {

    public boolean matches(JobStatus s) {
        if (s.jobId() == null || !tenant.equals(s.tenant())) {
            return false;
        }
        if (state != null && s.state() != state) {
            return false;
        }
        if (kind != null ? s.kind() != kind : s.kind() == JobKind.NARRATION_SEGMENT || s.kind() == JobKind.VOICE) {
            return false;
        }
        return before == null || s.jobId().compareTo(before) < 0;
    }
}
