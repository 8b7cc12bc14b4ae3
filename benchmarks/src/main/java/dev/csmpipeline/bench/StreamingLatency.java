package dev.csmpipeline.bench;

import dev.csmpipeline.model.EventType;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.SpeechChunk;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.testsupport.TopicRecords;
import dev.csmpipeline.worker.WorkerProperties;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Streaming through the pipeline: time to first audio and total time of one sync speech call, streamed against not
 * streamed, for each utterance length, with the Kafka hops of each call. One API instance, one worker (the tiny model,
 * or the bundle named), everything in this JVM against the embedded broker and S3 server, calls one at a time.
 *
 * <ul>
 *   <li>streamed: {@code POST /v1/audio/speech}, {@code response_format: pcm} (streams by default), read as it comes;
 *   <li>not streamed: {@code POST /generate} with {@code format: wav}, the same text and frame cap: the same sync call
 *       through the same topics, only without {@code stream}, so the worker decodes once at the end and replies with
 *       the whole file, and the caller's first byte is its whole audio. (mp3 from the speech endpoint would add the
 *       encoder; an async job would add status polling and a download.)
 * </ul>
 *
 * The random models never stop early, so an utterance's length is its frame cap: the speech endpoint's cap follows
 * from the input's length (3 s + 90 ms a character, at least 5 s), so the text is cut to the length that gives the
 * wanted seconds and {@code /generate} gets the same cap.
 *
 * <p>Per call, from the client's send (milliseconds, one clock: every process is in this JVM): the request record on
 * {@link Topics#REQUESTS_INTERACTIVE} (its create time: the API has validated and hands it to the producer), the
 * request acknowledged by the broker (the ACCEPTED event's create time: the gateway sends it right after the ack),
 * the worker's STARTED event, its first chunk on {@link Topics#AUDIO_CHUNKS} (streamed) or its reply on
 * {@link Topics#REPLIES} (not streamed), the client's first and last byte, and SUCCEEDED. Warm-up pairs first (at the
 * first length), then runs alternating which mode goes first; medians.
 *
 * <p>Arguments: {@code --model tiny|DIR} (tiny), {@code --seconds 5,20}, {@code --runs 5}, {@code --warmup 2},
 * {@code --chunk-frames 2} (WORKER_STREAM_CHUNK_FRAMES), {@code --threads 2} (TTS_THREADS).
 */
public final class StreamingLatency {

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String FILLER = "The pipeline streams each chunk of audio to the caller while the model is "
            + "still generating the rest of the utterance, one frame at a time. ";
    private static final int PCM_BYTES_PER_FRAME = 1920 * Wav.BYTES_PER_SAMPLE; // 80 ms at 24 kHz

    /** One call as the client saw it; the pipeline's side is read from the topics afterwards. */
    record Call(String mode, int seconds, String jobId, double sentMs, double firstByteMs, double lastByteMs,
                long audioBytes) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = options(args);
        String model = opt.getOrDefault("model", "tiny");
        List<Integer> lengths = java.util.Arrays.stream(opt.getOrDefault("seconds", "5,20").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        int runs = Integer.parseInt(opt.getOrDefault("runs", "5"));
        int warmup = Integer.parseInt(opt.getOrDefault("warmup", "2"));
        int chunkFrames = Integer.parseInt(opt.getOrDefault("chunk-frames", "2"));
        int threads = Integer.parseInt(opt.getOrDefault("threads", "2"));

        Map<String, Object> worker = new HashMap<>(Map.of("tts.threads", threads,
                "worker.stream-chunk-frames", chunkFrames));
        if (!model.equals("tiny")) {
            worker.put("csm.model-dir", model);
        }
        // A sync call waits 30 s + 3 x its audio length by default; mid on two shared cores can take longer.
        try (Harness h = new Harness(4, Map.of("ingest.sync-real-time-factor", 20))) {
            h.startWorker(worker);
            String bootstrap = h.infra.kafkaBootstrapServers();
            awaitAssigned(bootstrap, WorkerProperties.interactiveGroupId(WorkerProperties.DEFAULT_GROUP_ID));
            System.out.printf("model=%s chunk_frames=%d threads=%d runs=%d warmup=%d load=%s%n", model, chunkFrames,
                    threads, runs, warmup, loadAverage());
            List<Call> calls = new ArrayList<>();
            for (int i = 0; i < warmup; i++) {
                pair(h, lengths.get(0), i % 2 == 0);
            }
            for (int seconds : lengths) {
                for (int i = 0; i < runs; i++) {
                    calls.addAll(pair(h, seconds, i % 2 == 0));
                }
            }
            Map<String, Hops> hops = hopsOf(bootstrap, calls);
            for (int seconds : lengths) {
                report(model, seconds, calls.stream().filter(c -> c.seconds() == seconds).toList(), hops);
            }
            System.out.printf("load after: %s%n", loadAverage());
        }
        System.exit(0);
    }

    /** Waits until the worker holds every interactive request partition, so no call waits for a rebalance. */
    static void awaitAssigned(String bootstrap, String group) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!TopicRecords.fullyAssigned(bootstrap, group, Topics.REQUESTS_INTERACTIVE)) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("group " + group + " did not take the interactive partitions");
            }
            Thread.sleep(200);
        }
    }

    /** One streamed and one non-streamed call of {@code seconds}, in the order given. */
    static List<Call> pair(Harness h, int seconds, boolean streamedFirst) throws Exception {
        String text = textFor(seconds);
        List<Call> out = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            boolean streamed = (k == 0) == streamedFirst;
            out.add(streamed ? streamed(h, seconds, text) : whole(h, seconds, text));
        }
        return out;
    }

    static Call streamed(Harness h, int seconds, String text) throws Exception {
        String body = "{\"model\":\"csm-1b\",\"input\":\"" + text + "\",\"voice\":\"alloy\","
                + "\"response_format\":\"pcm\"}";
        Call c = timed("streamed", seconds, h.ingest.url("/v1/audio/speech"), body, pcm -> pcm.length);
        if (c.audioBytes() % PCM_BYTES_PER_FRAME != 0 || c.audioBytes() == 0) {
            throw new IllegalStateException("streamed call " + c.jobId() + " sent " + c.audioBytes() + " bytes, not "
                    + "whole frames");
        }
        return c;
    }

    static Call whole(Harness h, int seconds, String text) throws Exception {
        String body = "{\"text\":\"" + text + "\",\"speaker_id\":0,\"max_audio_length_ms\":" + speechCapMs(text)
                + ",\"format\":\"wav\"}";
        return timed("whole", seconds, h.ingest.url("/generate"), body, wav -> Wav.read(wav).dataBytes());
    }

    /** POSTs {@code json} and reads the answer as it arrives: when the first and the last byte came. */
    static Call timed(String mode, int seconds, URI uri, String json, ToLongFunction<byte[]> audioBytes)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build();
        double sent = nowMs();
        HttpResponse<InputStream> r = CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        double first;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[64 * 1024];
            int n = in.read(buf);
            first = nowMs();
            while (n >= 0) {
                body.write(buf, 0, n);
                n = in.read(buf);
            }
        }
        double last = nowMs();
        if (r.statusCode() != 200) {
            throw new IllegalStateException(mode + " call failed: " + r.statusCode() + " " + body);
        }
        String jobId = r.headers().firstValue("X-Job-Id").orElseThrow();
        return new Call(mode, seconds, jobId, sent, first, last, audioBytes.applyAsLong(body.toByteArray()));
    }

    /** What the topics say of one call: create times (epoch ms) of its records. */
    record Hops(double requestMs, double ackMs, double startedMs, double firstChunkMs, double replyMs,
                double succeededMs, int frames, int chunks) {
    }

    /** Reads each topic once, for every measured job. */
    static Map<String, Hops> hopsOf(String bootstrap, List<Call> calls) {
        Set<String> ids = new java.util.HashSet<>(calls.stream().map(Call::jobId).toList());
        Map<String, Double> request = firstTimes(TopicRecords.read(bootstrap, Topics.REQUESTS_INTERACTIVE,
                ids::contains));
        Map<String, Double> reply = firstTimes(TopicRecords.read(bootstrap, Topics.REPLIES, ids::contains));
        Map<String, Double> firstChunk = new HashMap<>();
        Map<String, Integer> chunks = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicRecords.read(bootstrap, Topics.AUDIO_CHUNKS, ids::contains)) {
            SpeechChunk c = WireJson.decode(r.value(), SpeechChunk.class);
            if (c.frames() > 0) {
                firstChunk.merge(r.key(), (double) r.timestamp(), Math::min);
                chunks.merge(r.key(), 1, Integer::sum);
            }
        }
        Map<String, Double> ack = new HashMap<>();
        Map<String, Double> started = new HashMap<>();
        Map<String, Double> succeeded = new HashMap<>();
        Map<String, Integer> frames = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : TopicRecords.read(bootstrap, Topics.EVENTS, ids::contains)) {
            JobEvent e = WireJson.decode(r.value(), JobEvent.class);
            if (e.type() == EventType.ACCEPTED) {
                ack.merge(e.jobId(), (double) r.timestamp(), Math::min);
            } else if (e.type() == EventType.STARTED) {
                started.merge(e.jobId(), epochMs(e.at()), Math::min);
            } else if (e.type() == EventType.SUCCEEDED) {
                succeeded.merge(e.jobId(), epochMs(e.at()), Math::min);
                frames.put(e.jobId(), e.framesDone());
            }
        }
        Map<String, Hops> out = new HashMap<>();
        for (String id : ids) {
            out.put(id, new Hops(request.getOrDefault(id, Double.NaN), ack.getOrDefault(id, Double.NaN),
                    started.getOrDefault(id, Double.NaN), firstChunk.getOrDefault(id, Double.NaN),
                    reply.getOrDefault(id, Double.NaN), succeeded.getOrDefault(id, Double.NaN),
                    frames.getOrDefault(id, -1), chunks.getOrDefault(id, 0)));
        }
        return out;
    }

    private static Map<String, Double> firstTimes(List<ConsumerRecord<String, byte[]>> records) {
        Map<String, Double> out = new HashMap<>();
        records.forEach(r -> out.merge(r.key(), (double) r.timestamp(), Math::min));
        return out;
    }

    /** Medians of one length, both modes: the breakdown table and the headline ratios. */
    static void report(String model, int seconds, List<Call> calls, Map<String, Hops> hops) {
        List<Call> streamed = calls.stream().filter(c -> c.mode().equals("streamed")).toList();
        List<Call> whole = calls.stream().filter(c -> c.mode().equals("whole")).toList();
        for (Call c : calls) {
            Hops x = hops.get(c.jobId());
            if (x.frames() < 0 || (long) x.frames() * PCM_BYTES_PER_FRAME != c.audioBytes()) {
                throw new IllegalStateException(c.mode() + " job " + c.jobId() + " got " + c.audioBytes()
                        + " bytes of audio for " + x.frames() + " frames");
            }
        }
        int frames = hops.get(streamed.get(0).jobId()).frames();
        if (whole.stream().anyMatch(c -> hops.get(c.jobId()).frames() != frames)) {
            throw new IllegalStateException("the non-streamed calls did not make " + frames + " frames like the "
                    + "streamed ones: the comparison would not be fair");
        }
        Map<String, ToDoubleFunction<Call>> stages = new LinkedHashMap<>();
        stages.put("request record produced", c -> hops.get(c.jobId()).requestMs() - c.sentMs());
        stages.put("request acked (ACCEPTED sent)", c -> hops.get(c.jobId()).ackMs() - c.sentMs());
        stages.put("worker STARTED", c -> hops.get(c.jobId()).startedMs() - c.sentMs());
        stages.put("first chunk produced", c -> hops.get(c.jobId()).firstChunkMs() - c.sentMs());
        stages.put("reply produced", c -> hops.get(c.jobId()).replyMs() - c.sentMs());
        stages.put("client first byte", c -> c.firstByteMs() - c.sentMs());
        stages.put("client last byte", c -> c.lastByteMs() - c.sentMs());
        stages.put("SUCCEEDED", c -> hops.get(c.jobId()).succeededMs() - c.sentMs());
        System.out.printf("%n%s, %d s utterance (%d frames), ms from the client's send, medians of %d calls each:%n",
                model, seconds, frames, streamed.size());
        System.out.println("| stage | streamed | not streamed |");
        System.out.println("| --- | --- | --- |");
        stages.forEach((name, f) -> System.out.printf("| %s | %s | %s |%n", name, median(streamed, f),
                median(whole, f)));
        Map<String, ToDoubleFunction<Call>> legs = new LinkedHashMap<>();
        legs.put("API to Kafka: send to request record", stages.get("request record produced"));
        legs.put("produce to broker ack", c -> hops.get(c.jobId()).ackMs() - hops.get(c.jobId()).requestMs());
        legs.put("Kafka to worker: request record to STARTED",
                c -> hops.get(c.jobId()).startedMs() - hops.get(c.jobId()).requestMs());
        legs.put("worker: STARTED to first chunk / reply", c -> audioOut(c, hops) - hops.get(c.jobId()).startedMs());
        legs.put("Kafka to client: first chunk / reply to first byte", c -> c.firstByteMs() - audioOut(c, hops));
        System.out.println("| hop | streamed | not streamed |");
        System.out.println("| --- | --- | --- |");
        legs.forEach((name, f) -> System.out.printf("| %s | %s | %s |%n", name, median(streamed, f),
                median(whole, f)));

        List<Double> ratios = streamed.stream().map(c -> (c.firstByteMs() - c.sentMs())
                / (c.lastByteMs() - c.sentMs())).toList();
        double firstStreamed = Stats.median(streamed.stream().map(c -> c.firstByteMs() - c.sentMs()).toList());
        double firstWhole = Stats.median(whole.stream().map(c -> c.firstByteMs() - c.sentMs()).toList());
        double lastStreamed = Stats.median(streamed.stream().map(c -> c.lastByteMs() - c.sentMs()).toList());
        double lastWhole = Stats.median(whole.stream().map(c -> c.lastByteMs() - c.sentMs()).toList());
        System.out.printf("RESULT streaming model=%s seconds=%d frames=%d chunks=%d first_audio/total median=%.3f "
                        + "(runs %s); first audio streamed=%s ms, not streamed=%s ms (%.1fx sooner); total streamed=%s "
                        + "ms, not streamed=%s ms (ratio %.3f)%n", model, seconds, frames,
                hops.get(streamed.get(0).jobId()).chunks(), Stats.median(ratios),
                ratios.stream().map(v -> String.format("%.3f", v)).toList(), Stats.fmt(firstStreamed),
                Stats.fmt(firstWhole), firstWhole / firstStreamed, Stats.fmt(lastStreamed), Stats.fmt(lastWhole),
                lastStreamed / lastWhole);
    }

    /** When the worker sent the call's first audio: its first chunk (streamed) or its reply (not streamed). */
    private static double audioOut(Call c, Map<String, Hops> hops) {
        Hops x = hops.get(c.jobId());
        return c.mode().equals("streamed") ? x.firstChunkMs() : x.replyMs();
    }

    private static String median(List<Call> calls, ToDoubleFunction<Call> f) {
        List<Double> v = calls.stream().map(f::applyAsDouble).filter(d -> !Double.isNaN(d)).toList();
        return v.isEmpty() ? "-" : String.format("%.0f", Stats.median(v));
    }

    /**
     * A text whose speech-endpoint frame cap is {@code seconds} of audio: {@code SpeechController.maxLengthFor} allows
     * 3 s + 90 ms a character, at least 5 s.
     */
    static String textFor(int seconds) {
        int chars = seconds <= 5 ? 20 : (int) Math.ceil((seconds * 1000 - 3000) / 90.0);
        String text = FILLER.repeat(chars / FILLER.length() + 1).substring(0, chars);
        return text.endsWith(" ") ? text.substring(0, chars - 1) + "." : text;
    }

    /** The speech endpoint's frame cap for {@code text}, in ms (as SpeechController.maxLengthFor computes it). */
    static int speechCapMs(String text) {
        return Math.max(5_000, 3_000 + text.length() * 90);
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            out.put(args[i].substring(2), args[i + 1]);
        }
        return out;
    }

    private static double nowMs() {
        return epochMs(Instant.now());
    }

    private static double epochMs(Instant t) {
        return t.getEpochSecond() * 1000.0 + t.getNano() / 1e6;
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
