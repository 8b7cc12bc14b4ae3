package dev.csmpipeline.it.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.ingest.IngestApplication;
import dev.csmpipeline.localstack.ChildService;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.PipelineInfra;
import dev.csmpipeline.testsupport.RunningService;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A worker killed hard (SIGKILL) while a listener hears its job: the listener gets either a complete stream, the
 * same samples as the stored WAV of the redelivered job, or a transfer error; never a shorter stream that ends as if
 * complete.
 */
@WithPipelineInfra
class StreamingCrashIT {

    private static PipelineInfra infra;
    private static RunningService ingest;
    private static final List<ChildService> workers = new ArrayList<>();

    @BeforeAll
    static void start(PipelineInfra pipelineInfra) {
        infra = pipelineInfra;
        ingest = RunningService.start(IngestApplication.builder(), infra, Map.of());
        workers.add(ChildWorkers.start(infra, "stream-worker-a", Map.of()));
        workers.add(ChildWorkers.start(infra, "stream-worker-b", Map.of()));
    }

    @AfterAll
    static void stop() {
        workers.forEach(ChildService::kill);
        ingest.close();
    }

    @Test
    void aListenerOfAKilledWorkersJobGetsTheWholeAudioOrAnErrorNeverLess() throws Exception {
        for (int round = 0; round < 2; round++) {
            Http.Response submitted = Http.postJson(ingest.url("/v1/jobs"), "{\"text\":\"Streamed through a crash, "
                    + "round " + round + ".\",\"stream\":true,\"max_audio_length_ms\":40000}");
            String jobId = submitted.json().get("id").asText();
            HttpResponse<InputStream> r = Http.open(ingest.url("/v1/jobs/" + jobId + "/audio/stream?format=pcm"), null);
            ByteArrayOutputStream heard = new ByteArrayOutputStream();
            boolean complete;
            try (InputStream in = r.body()) {
                heard.write(in.readNBytes(3840 * 4)); // the first frames, streamed by the first worker
                String victimId = Http.get(ingest.url("/v1/jobs/" + jobId)).json().path("worker_id").asText();
                ChildService victim = workers.stream().filter(w -> w.name().equals(victimId)).findFirst()
                        .orElseThrow(() -> new AssertionError("no running worker " + victimId));
                victim.kill();
                workers.remove(victim);
                System.out.println("[reliability] killed " + victimId + " streaming job " + jobId + " after "
                        + heard.size() + " bytes heard");
                workers.add(ChildWorkers.start(infra, victimId + "-r" + round, Map.of()));
                try {
                    in.transferTo(heard);
                    complete = true;
                } catch (IOException e) {
                    complete = false;
                    System.out.println("[reliability] the stream of " + jobId + " ended with an error: " + e);
                }
            }
            JsonNode done = awaitEnd(jobId);
            assertThat(done.get("state").asText()).isEqualTo("SUCCEEDED");
            if (complete) {
                assertThat(heard.toByteArray()).as("a stream that ended cleanly holds the whole audio")
                        .isEqualTo(storedSamples(jobId));
                System.out.println("[reliability] the stream of " + jobId + " completed through the crash: "
                        + heard.size() + " bytes, equal to the stored WAV");
            }
        }
    }

    private static JsonNode awaitEnd(String jobId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = Http.get(ingest.url("/v1/jobs/" + jobId)).json();
            return List.of("SUCCEEDED", "FAILED", "CANCELLED").contains(last[0].path("state").asText());
        });
        return last[0];
    }

    private static byte[] storedSamples(String jobId) {
        try (ObjectStorage storage = infra.newStorage()) {
            byte[] wav = storage.get("audio/" + jobId + ".wav").orElseThrow();
            Wav.Info info = Wav.read(wav);
            return Arrays.copyOfRange(wav, info.dataOffset(), (int) (info.dataOffset() + info.dataBytes()));
        }
    }
}
