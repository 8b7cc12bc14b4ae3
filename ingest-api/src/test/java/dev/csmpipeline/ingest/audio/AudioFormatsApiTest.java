package dev.csmpipeline.ingest.audio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.model.AudioFormat;
import dev.csmpipeline.model.AudioResult;
import dev.csmpipeline.model.JobEvent;
import dev.csmpipeline.model.JobKind;
import dev.csmpipeline.model.SynthesisRequest;
import dev.csmpipeline.model.Topics;
import dev.csmpipeline.model.WireJson;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A finished job's audio in every format, whatever Accept header the client sends. The test plays the worker: it
 * stores the WAV and writes SUCCEEDED. (The formats' own decoding is specified in audio-formats.)
 */
@WithPipelineInfra
class AudioFormatsApiTest {

    private static RunningService api;
    private static KafkaProducer<String, byte[]> producer;
    private static PipelineInfra infra;
    private static final byte[] WAV = Wav.encode(tone(24_000), 24_000);

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        api = RunningService.start(IngestApplication.builder(), infra, Map.of());
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, infra.kafkaBootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        producer.close();
        api.close();
    }

    private static float[] tone(int samples) {
        float[] pcm = new float[samples];
        for (int i = 0; i < samples; i++) {
            pcm[i] = (float) (0.3 * Math.sin(2 * Math.PI * 220 * i / 24_000.0));
        }
        return pcm;
    }

    /** Submits {@code json}, stores the WAV as its worker would, announces SUCCEEDED; returns the job id. */
    private static String finishedJob(String json) throws Exception {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), json);
        assertThat(r.status()).as(r.toString()).isEqualTo(202);
        String id = r.json().get("id").asText();
        String key = "audio/" + id + ".wav";
        try (ObjectStorage storage = infra.newStorage()) {
            storage.put(key, WAV, Wav.CONTENT_TYPE);
        }
        SynthesisRequest request = new SynthesisRequest(id, JobKind.ASYNC, "x", 0, 2000, null, AudioFormat.WAV,
                "default", Instant.now(), null, null);
        JobEvent done = JobEvent.succeeded(request, "w-test", "tiny-random",
                new AudioResult(key, 1000, 24_000, WAV.length, ObjectStorage.sha256Hex(WAV), 12), Instant.now());
        producer.send(new ProducerRecord<>(Topics.EVENTS, id, WireJson.encode(done))).get(10, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(10)).until(() -> Http.get(api.url("/v1/jobs/" + id)).json()
                .get("state").asText().equals("SUCCEEDED"));
        return id;
    }

    private static String magic(byte[] body, int n) {
        return new String(Arrays.copyOf(body, n), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aJobSubmittedWithAFormatServesItAtItsAudioUrl() throws Exception {
        String id = finishedJob("{\"text\":\"Hello\",\"format\":\"mp3\"}");
        String url = Http.get(api.url("/v1/jobs/" + id)).json().get("audio_url").asText();
        assertThat(url).isEqualTo("/v1/jobs/" + id + "/audio?format=mp3");
        Http.Response audio = Http.get(api.url(url));
        assertThat(audio.status()).isEqualTo(200);
        assertThat(audio.header("Content-Type")).contains("audio/mpeg");
        assertThat(magic(audio.body(), 3)).isEqualTo("ID3");
        Http.Response bare = Http.get(api.url("/v1/jobs/" + id + "/audio"));
        assertThat(bare.header("Content-Type")).contains("audio/mpeg");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"mp3, audio/mpeg, ID3", "opus, audio/ogg, OggS", "flac, audio/flac, fLaC", "wav, audio/wav, RIFF"})
    void everyFormatIsServedWithItsContentTypeOnRequest(String format, String contentType, String magic)
            throws Exception {
        String id = finishedJob("{\"text\":\"Hello\"}");
        Http.Response audio = Http.get(api.url("/v1/jobs/" + id + "/audio?format=" + format));
        assertThat(audio.status()).as(audio.toString()).isEqualTo(200);
        assertThat(audio.header("Content-Type")).contains(contentType);
        assertThat(magic(audio.body(), 4)).startsWith(magic);
        assertThat(audio.header("Content-Disposition").orElseThrow()).contains(id + "." + format);
    }

    @Test
    void pcmIsTheWavsSamplesWithoutHeader() throws Exception {
        String id = finishedJob("{\"text\":\"Hello\"}");
        Http.Response pcm = Http.get(api.url("/v1/jobs/" + id + "/audio?format=pcm"));
        assertThat(pcm.header("Content-Type")).contains("audio/pcm");
        assertThat(pcm.body()).isEqualTo(Arrays.copyOfRange(WAV, Wav.HEADER_BYTES, WAV.length));
    }

    @ParameterizedTest(name = "Accept: {0}")
    @ValueSource(strings = {"application/octet-stream", "audio/*", "*/*", "audio/mpeg", "application/json"})
    void anyAcceptHeaderGetsTheAudio(String accept) throws Exception {
        String id = finishedJob("{\"text\":\"Hello\"}");
        Http.Response mp3 = Http.get(api.url("/v1/jobs/" + id + "/audio?format=mp3"), "Accept", accept);
        assertThat(mp3.status()).as(mp3.toString()).isEqualTo(200);
        assertThat(mp3.header("Content-Type")).contains("audio/mpeg");
        Http.Response wav = Http.get(api.url("/v1/jobs/" + id + "/audio"), "Accept", accept);
        assertThat(wav.status()).as(wav.toString()).isEqualTo(200);
        assertThat(wav.body()).isEqualTo(WAV);
    }

    @Test
    void aacAndUnknownFormatsAreRefusedNamingTheFieldAndTheReason() throws Exception {
        Http.Response submit = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"Hello\",\"format\":\"aac\"}");
        assertThat(submit.status()).isEqualTo(422);
        assertThat(submit.json().get("fields").get(0).get("field").asText()).isEqualTo("format");
        assertThat(submit.json().get("message").asText()).contains("no well-kept pure-Java AAC encoder");
        String id = finishedJob("{\"text\":\"Hello\"}");
        Http.Response download = Http.get(api.url("/v1/jobs/" + id + "/audio?format=ogg"));
        assertThat(download.status()).isEqualTo(400);
        assertThat(download.json().get("fields").get(0).get("field").asText()).isEqualTo("format");
        assertThat(download.json().get("message").asText()).contains("mp3, opus, flac, wav, pcm");
    }

    @Test
    void audioNotReadyIsJsonEvenWhenTheClientAcceptsOnlyAudio() {
        Http.Response r = Http.postJson(api.url("/v1/jobs"), "{\"text\":\"Hello\"}");
        String id = r.json().get("id").asText();
        Http.Response audio = Http.get(api.url("/v1/jobs/" + id + "/audio?format=mp3"), "Accept", "audio/mpeg");
        assertThat(audio.status()).isEqualTo(409);
        assertThat(audio.json().get("error").asText()).isEqualTo("not_ready");
    }
}
