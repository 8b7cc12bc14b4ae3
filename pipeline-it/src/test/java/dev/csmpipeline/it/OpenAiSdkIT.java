package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.csmpipeline.model.audio.SyntheticSpeech;
import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.storage.client.ObjectStorage;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The official OpenAI SDKs, Python ({@code openai} from PyPI) and Node ({@code openai} from npm), unchanged and
 * pointed at {@code /v1}, drive {@code /v1/audio/speech} against the whole pipeline (worker running the tiny model):
 * every format, the SDK's default format, {@code speed}, {@code instructions}, a streamed read, and aac refused in
 * OpenAI's error shape. The SDKs are installed here, pinned, under {@code target/openai-sdk/}; a machine without
 * Python or Node skips that SDK's test with a message saying so.
 */
@WithPipelineInfra
class OpenAiSdkIT {

    static final String PYTHON_SDK = "3.51.0";
    static final String NODE_SDK = "7.55.0";
    private static final Path SDK_DIR = Path.of("target", "openai-sdk").toAbsolutePath();
    private static final Path SCRIPTS = Path.of("src", "test", "resources", "openai-sdk").toAbsolutePath();
    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        p.startIngest(Map.of());
        p.startWorker(Map.of());
    });

    @Test
    void thePythonSdkGetsEveryFormatUnchanged() throws Exception {
        String python = onPath("python3") ? "python3" : onPath("python") ? "python" : null;
        skipLoudlyUnless(python != null, "Python (python3) is not on the PATH");
        Path site = SDK_DIR.resolve("python");
        if (!Files.isDirectory(site.resolve("openai-" + PYTHON_SDK + ".dist-info"))) {
            run(Map.of(), python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "--no-warn-conflicts", "--upgrade", "--target", site.toString(), "openai==" + PYTHON_SDK);
        }
        Path out = Files.createDirectories(SDK_DIR.resolve("out-python"));
        String lines = run(Map.of("PYTHONPATH", site.toString(), "PYTHONNOUSERSITE", "1"), python,
                SCRIPTS.resolve("speech_sdk.py").toString(), baseUrl(), out.toString());
        Map<String, JsonNode> cases = parse(lines);
        checkCases(cases, "python");
        checkStreamedCases(cases);
    }

    /** Streamed pcm and SSE deltas, read through the SDK, are exactly the samples of the job's stored WAV. */
    private static void checkStreamedCases(Map<String, JsonNode> cases) throws IOException {
        assertThat(cases).containsKeys("streaming-pcm", "sse-pcm", "sse-types");
        for (String name : List.of("streaming-pcm", "sse-pcm")) {
            String job = cases.get(name).get("job").asText();
            assertThat(pipeline.awaitJob(job).get("state").asText()).isEqualTo("SUCCEEDED");
            try (ObjectStorage storage = pipeline.infra().newStorage()) {
                byte[] stored = storage.get("audio/" + job + ".wav").orElseThrow();
                Wav.Info info = Wav.read(stored);
                assertThat(file(cases, name)).as(name + " through the SDK vs the stored WAV's samples")
                        .isEqualTo(Arrays.copyOfRange(stored, info.dataOffset(),
                                (int) (info.dataOffset() + info.dataBytes())));
            }
        }
        assertThat(cases.get("sse-types").get("first").asText()).isEqualTo("speech.audio.delta");
        assertThat(cases.get("sse-types").get("last").asText()).isEqualTo("speech.audio.done");
    }

    @Test
    void theNodeSdkGetsEveryFormatUnchanged() throws Exception {
        skipLoudlyUnless(onPath("node") && onPath("npm"), "Node.js (node and npm) is not on the PATH");
        Path prefix = SDK_DIR.resolve("node");
        Path installed = prefix.resolve("node_modules/openai/package.json");
        if (!Files.exists(installed) || !Files.readString(installed).contains("\"version\": \"" + NODE_SDK + "\"")) {
            Files.createDirectories(prefix);
            run(Map.of(), "npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", prefix.toString(),
                    "openai@" + NODE_SDK);
        }
        Path out = Files.createDirectories(SDK_DIR.resolve("out-node"));
        String lines = run(Map.of(), "node", SCRIPTS.resolve("speech_sdk.mjs").toString(), prefix.toString(),
                baseUrl(), out.toString());
        checkCases(parse(lines), "node");
    }

    private static String baseUrl() {
        return pipeline.ingest().url("/v1").toString();
    }

    private static void checkCases(Map<String, JsonNode> cases, String sdk) throws IOException {
        assertThat(cases).as(sdk + " cases").containsKeys("format-mp3", "format-opus", "format-flac", "format-wav",
                "format-pcm", "default-speed-instructions", "speed-1.0", "speed-2.0", "streaming-opus", "aac");

        byte[] mp3 = file(cases, "format-mp3");
        assertThat(type(cases, "format-mp3")).isEqualTo("audio/mpeg");
        assertThat(ascii(mp3, 0, 3)).isEqualTo("ID3");
        int frame = 10 + syncSafe(mp3, 6);
        assertThat(mp3[frame] & 0xFF).as("MPEG frame sync after the ID3 tag").isEqualTo(0xFF);
        assertThat(mp3[frame + 1] & 0xE0).isEqualTo(0xE0);

        byte[] opus = file(cases, "format-opus");
        assertThat(type(cases, "format-opus")).isEqualTo("audio/ogg");
        assertThat(ascii(opus, 0, 4)).isEqualTo("OggS");
        assertThat(ascii(opus, 28, 8)).isEqualTo("OpusHead");
        assertThat(new String(opus, StandardCharsets.ISO_8859_1)).contains("OpusTags", SyntheticSpeech.COMMENT);

        byte[] flac = file(cases, "format-flac");
        assertThat(type(cases, "format-flac")).isEqualTo("audio/flac");
        assertThat(ascii(flac, 0, 4)).isEqualTo("fLaC");

        byte[] wav = file(cases, "format-wav");
        assertThat(type(cases, "format-wav")).isEqualTo("audio/wav");
        assertThat(Wav.read(wav).sampleRate()).isEqualTo(24_000);
        assertThat(Wav.infoOf(wav)).containsEntry("ICMT", SyntheticSpeech.COMMENT);

        byte[] pcm = file(cases, "format-pcm");
        assertThat(type(cases, "format-pcm")).isEqualTo("audio/pcm");
        assertThat(pcm.length).isPositive().isEven();

        JsonNode byDefault = cases.get("default-speed-instructions");
        assertThat(byDefault.get("content_type").asText()).as("the SDK's default format").isEqualTo("audio/mpeg");
        assertThat(byDefault.get("ignored").asText()).isEqualTo("instructions");

        long normal = Wav.read(file(cases, "speed-1.0")).durationMs();
        long fast = Wav.read(file(cases, "speed-2.0")).durationMs();
        assertThat(fast).isBetween(normal / 2 - 50, normal / 2 + 50);

        byte[] streamed = file(cases, "streaming-opus");
        assertThat(ascii(streamed, 0, 4)).isEqualTo("OggS");
        assertThat(type(cases, "streaming-opus")).isEqualTo("audio/ogg");

        JsonNode aac = cases.get("aac");
        assertThat(aac.get("status").asInt()).isEqualTo(400);
        assertThat(aac.get("param").asText()).isEqualTo("response_format");
        assertThat(aac.get("message").asText()).contains("aac");
    }

    private static Map<String, JsonNode> parse(String lines) {
        Map<String, JsonNode> cases = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : lines.split("\n")) {
            if (line.startsWith("{")) {
                JsonNode node = json.readTree(line);
                cases.put(node.get("case").asText(), node);
            }
        }
        return cases;
    }

    private static byte[] file(Map<String, JsonNode> cases, String name) throws IOException {
        byte[] data = Files.readAllBytes(Path.of(cases.get(name).get("file").asText()));
        assertThat(data.length).as(name + " bytes").isEqualTo(cases.get(name).get("bytes").asInt()).isPositive();
        return data;
    }

    private static String type(Map<String, JsonNode> cases, String name) {
        return cases.get(name).get("content_type").asText();
    }

    private static String ascii(byte[] b, int from, int n) {
        return new String(Arrays.copyOfRange(b, from, from + n), StandardCharsets.ISO_8859_1);
    }

    private static int syncSafe(byte[] b, int at) {
        return (b[at] & 0x7F) << 21 | (b[at + 1] & 0x7F) << 14 | (b[at + 2] & 0x7F) << 7 | (b[at + 3] & 0x7F);
    }

    private static void skipLoudlyUnless(boolean present, String why) {
        if (!present) {
            System.err.println("*** SKIPPED: OpenAI SDK test not run: " + why + ". CI has Python and Node; "
                    + "install them to run it here. ***");
        }
        Assumptions.assumeTrue(present, why);
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command (at most 5 minutes: an SDK install reaches the registry), failing with its output. */
    private static String run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        List<String> output = new ArrayList<>();
        Thread reader = new Thread(() -> new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8)).lines().forEach(output::add));
        reader.start();
        boolean ended = p.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            p.destroyForcibly();
        }
        reader.join(10_000);
        String text = String.join("\n", output);
        if (!ended || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed" + (ended ? " (exit " + p.exitValue()
                    + ")" : " (timed out)") + ":\n" + text);
        }
        return text;
    }
}
