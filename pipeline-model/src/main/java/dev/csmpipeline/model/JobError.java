package dev.csmpipeline.model;

/**
 * Why a job failed.
 *
 * @param code    stable machine-readable code, one of {@link ErrorCodes}
 * @param message what went wrong and what to do, for people
 */
public record JobError(String code, String message) {
}
