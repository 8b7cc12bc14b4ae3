package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.model.ErrorCodes;
import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.SpeechChunk;
import dev.csmpipeline.model.audio.Wav;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves one job's audio to one listener: chunks as they arrive ({@link StreamAssembler}), and when the job has ended
 * whatever the chunks did not bring, from its stored file. So the listener hears audio within a chunk of it being
 * made, and always gets the job's exact final audio or a visible failure: a lost chunk, a worker that died mid-stream
 * (its redelivered attempt continues the stream), a model that cannot stream (the file comes at the end) all end
 * with the same bytes as the stored WAV.
 */
final class StreamPump {

    private static final Logger log = LoggerFactory.getLogger(StreamPump.class);
    private static final Duration POLL = Duration.ofMillis(50);

    private StreamPump() {
    }

    /**
     * Runs until the audio is complete, failed, or {@code deadline} passed; closes {@code source}.
     *
     * @throws IOException when the listener went away (the job goes on: its audio stays downloadable)
     */
    static void run(String jobId, ChunkSource source, JobEnding ending, AudioSink sink, Instant deadline,
                    Clock clock) throws IOException, InterruptedException {
        StreamAssembler assembler = new StreamAssembler();
        boolean begun = false;
        int chunks = 0;
        long started = System.nanoTime();
        try (source) {
            while (true) {
                SpeechChunk chunk = source.poll(POLL);
                if (chunk != null) {
                    byte[] out = assembler.accept(chunk);
                    if (out.length > 0) {
                        if (!begun) {
                            sink.begin(assembler.sampleRate());
                            begun = true;
                            log.info("event=stream_first_audio job={} after_ms={}", jobId,
                                    (System.nanoTime() - started) / 1_000_000);
                        }
                        sink.pcm(out);
                        chunks++;
                    }
                    if (assembler.state() == StreamAssembler.State.COMPLETE) {
                        finish(sink, begun, assembler, jobId, chunks, "chunks");
                        return;
                    }
                    if (assembler.state() == StreamAssembler.State.FAILED) {
                        fail(sink, jobId, assembler.error());
                        return;
                    }
                    continue;
                }
                Optional<JobEnding.Outcome> end = ending.poll();
                if (end.isPresent()) {
                    if (end.get().error() != null) {
                        fail(sink, jobId, end.get().error());
                        return;
                    }
                    byte[] wav = end.get().wav().get();
                    Wav.Info info = Wav.read(wav);
                    long from = info.dataOffset() + assembler.bytesSent();
                    long to = info.dataOffset() + info.dataBytes();
                    if (!begun) {
                        sink.begin(info.sampleRate());
                        begun = true;
                    }
                    if (from < to) {
                        sink.pcm(Arrays.copyOfRange(wav, (int) from, (int) to));
                    }
                    assembler.sentFromFile(Math.max(0, to - from));
                    finish(sink, begun, assembler, jobId, chunks, "file");
                    return;
                }
                if (clock.instant().isAfter(deadline)) {
                    fail(sink, jobId, new JobError(ErrorCodes.DEADLINE_EXCEEDED, "the job did not finish by "
                            + deadline + "; it may still finish: see /v1/jobs/" + jobId));
                    return;
                }
            }
        }
    }

    private static void finish(AudioSink sink, boolean begun, StreamAssembler assembler, String jobId, int chunks,
                               String completedFrom) throws IOException {
        sink.done();
        log.info("event=stream_done job={} bytes={} chunks={} completed_from={} began={}", jobId,
                assembler.bytesSent(), chunks, completedFrom, begun);
    }

    private static void fail(AudioSink sink, String jobId, JobError error) throws IOException {
        log.info("event=stream_failed job={} code={} reason={}", jobId, error.code(), error.message());
        sink.failed(error);
    }
}
