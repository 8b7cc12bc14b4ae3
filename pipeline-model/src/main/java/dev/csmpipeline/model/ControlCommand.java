package dev.csmpipeline.model;

import java.time.Instant;

/**
 * A command every worker reads from {@link Topics#CONTROL}, keyed by {@code targetId}.
 *
 * @param type     what to do
 * @param targetId the job id, or the narration id for a whole narration
 * @param scope    whether {@code targetId} names a job or a narration
 * @param tenant   the tenant that asked
 * @param at       when it was asked
 */
public record ControlCommand(Type type, String targetId, Scope scope, String tenant, Instant at) {

    public enum Type { CANCEL }

    public enum Scope { JOB, NARRATION }

    public static ControlCommand cancelJob(String jobId, String tenant, Instant at) {
        return new ControlCommand(Type.CANCEL, jobId, Scope.JOB, tenant, at);
    }

    public static ControlCommand cancelNarration(String narrationId, String tenant, Instant at) {
        return new ControlCommand(Type.CANCEL, narrationId, Scope.NARRATION, tenant, at);
    }
}
