package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.model.JobError;
import java.util.Optional;
import java.util.function.Supplier;

/** How a streamed job ended, once it has: its complete WAV (fetched when needed), or why it failed. */
interface JobEnding {

    /** Empty while the job runs. */
    Optional<Outcome> poll();

    /**
     * @param wav   the stored file's bytes, fetched on demand; null when the job failed
     * @param error why the job ended without audio; null when it succeeded
     */
    record Outcome(Supplier<byte[]> wav, JobError error) {

        static Outcome succeeded(Supplier<byte[]> wav) {
            return new Outcome(wav, null);
        }

        static Outcome failed(JobError error) {
            return new Outcome(null, error);
        }
    }
}
