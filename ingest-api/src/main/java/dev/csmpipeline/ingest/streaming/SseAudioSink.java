package dev.csmpipeline.ingest.streaming;

import dev.csmpipeline.model.JobError;
import dev.csmpipeline.model.Limits;
import dev.csmpipeline.model.audio.Wav;
import java.io.IOException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * OpenAI's speech events: {@code speech.audio.delta} with base64 audio (the bytes of the response format: raw PCM,
 * or a WAV header first), then {@code speech.audio.done} with the usage; a failure is an {@code error} event.
 */
final class SseAudioSink implements AudioSink {

    static final String DELTA = "speech.audio.delta";
    static final String DONE = "speech.audio.done";
    /** Audio codes (codebooks) CSM generates per frame. */
    private static final int CODES_PER_FRAME = 32;

    private final SseEmitter emitter;
    private final boolean wav;
    private final int inputChars;
    private byte[] header = new byte[0];
    private int sampleRate;
    private long samples;

    /** @param inputChars reported as input_tokens: the ingest counts characters; it does not tokenize */
    SseAudioSink(SseEmitter emitter, boolean wav, int inputChars) {
        this.emitter = emitter;
        this.wav = wav;
        this.inputChars = inputChars;
    }

    @Override
    public void begin(int sampleRate) {
        this.sampleRate = sampleRate;
        if (wav) {
            header = Wav.streamingHeader(sampleRate); // goes out with the first samples
        }
    }

    @Override
    public void pcm(byte[] pcm) throws IOException {
        byte[] audio = pcm;
        if (header.length > 0) {
            audio = new byte[header.length + pcm.length];
            System.arraycopy(header, 0, audio, 0, header.length);
            System.arraycopy(pcm, 0, audio, header.length, pcm.length);
            header = new byte[0];
        }
        samples += pcm.length / Wav.BYTES_PER_SAMPLE;
        send(Map.of("type", DELTA, "audio", Base64.getEncoder().encodeToString(audio)));
    }

    @Override
    public void done() throws IOException {
        // CSM's output tokens are its audio codes: 32 per 80 ms frame.
        long samplesPerFrame = Math.max(1, (long) sampleRate * Limits.MS_PER_FRAME / 1000);
        long outputTokens = samples / samplesPerFrame * CODES_PER_FRAME;
        Map<String, Object> usage = new LinkedHashMap<>();
        usage.put("input_tokens", inputChars);
        usage.put("output_tokens", outputTokens);
        usage.put("total_tokens", inputChars + outputTokens);
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("type", DONE);
        done.put("usage", usage);
        send(done);
        emitter.complete();
    }

    @Override
    public void failed(JobError error) throws IOException {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", error.message());
        e.put("type", "server_error");
        e.put("code", error.code().toLowerCase());
        send(Map.of("type", "error", "error", e));
        emitter.complete();
    }

    private void send(Map<String, ?> event) throws IOException {
        emitter.send(SseEmitter.event().data(event, MediaType.APPLICATION_JSON));
    }
}
