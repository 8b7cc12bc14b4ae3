package dev.csmpipeline.engine.csm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.csmpipeline.engine.BundleException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The engine tokenizes CSM-1B prompts exactly as transformers and npm's llama3-tokenizer-js do, with the real
 * tokenizer: Llama 3.2's 128,000 BPE ranks and 256 special tokens (ids 128000..128255) with CSM's
 * {@code <|begin_of_text|> $A <|end_of_text|>} template (docs/BUNDLE-FORMAT.md, section 2).
 *
 * <p>The Hub is out of reach, so the tokenizer.json is built from the vocabulary llama3-tokenizer-js ships by
 * {@code src/test/tooling/llama3-tokenizer/make_tokenizer.py} (transformers' tiktoken converter in a pinned, torch-free
 * venv), cached under {@code target/llama3-tokenizer}. The test runs that script itself through a ProcessBuilder
 * rather than from a Maven plugin: only a test can skip, with a stated reason, where Python or Node is missing while
 * failing on any other tooling error; and the tooling then runs only when this test does ({@code -Dtest=...} and
 * {@code -DskipTests} leave it out).
 */
class RealLlama3TokenizerTest {

    private static final Path TOOLING = Path.of("src/test/tooling/llama3-tokenizer");
    private static final Path OUT = Path.of("target/llama3-tokenizer");
    private static final Path BUNDLE = OUT.resolve("bundle");
    private static final long TOOLING_TIMEOUT_MINUTES = 20;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** CSM-1B's text facts (the values the exporter writes into a csm-1b manifest). */
    private static final BundleManifest.Text CSM_1B_TEXT = new BundleManifest.Text("tokenizer.json", 128256, 128000,
            128001, "[{speaker}]{text}", true);

    /** Why the tooling could not run (Python or Node missing), or null. */
    private static String skipReason;
    private static JsonNode references;
    private static PromptTokenizer tokenizer;

    @BeforeAll
    static void buildTheRealTokenizer() throws IOException, InterruptedException {
        String python = firstThatRuns("python3", "python");
        String node = firstThatRuns("node");
        if (python == null || node == null) {
            String reason = "RealLlama3TokenizerTest SKIPPED: " + (python == null ? "Python 3.11+ (python3)" : "")
                    + (python == null && node == null ? " and " : "") + (node == null ? "Node.js 20+ (node)" : "")
                    + " not found on the PATH, so the real Llama 3 tokenizer is NOT tested against transformers "
                    + "and llama3-tokenizer-js. Install them to run it (see docs/BUNDLE-FORMAT.md, section 2).";
            // surefire sends System.out/err to a report file (redirectTestOutputToFile); the JVM's own stderr
            // reaches the build console, where a skip of this test must be seen
            new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8).println(reason);
            skipReason = reason;
            return;
        }
        Files.createDirectories(OUT);
        Path log = OUT.resolve("tooling.log");
        Process process = new ProcessBuilder(python, TOOLING.resolve("make_tokenizer.py").toString(), OUT.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(TOOLING_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the tokenizer tooling did not finish in " + TOOLING_TIMEOUT_MINUTES
                    + " minutes; its output so far: " + log.toAbsolutePath() + "\n" + Files.readString(log));
        }
        String output = Files.readString(log);
        System.out.print(output);
        if (process.exitValue() != 0) {
            throw new AssertionError("the tokenizer tooling failed (exit " + process.exitValue() + "; Python and Node "
                    + "are present, so this is an error, not a skip). Rerun: " + python + " " + TOOLING
                    + "/make_tokenizer.py " + OUT + "\n" + output);
        }
        references = JSON.readTree(Files.readString(BUNDLE.resolve("reference-ids.json"), StandardCharsets.UTF_8));
        tokenizer = PromptTokenizer.load(BUNDLE, CSM_1B_TEXT);
    }

    /** Every test is skipped on its own (not the class from {@code @BeforeAll}): surefire then counts and shows it. */
    @BeforeEach
    void skipWithoutTheTooling() {
        Assumptions.assumeTrue(skipReason == null, skipReason);
    }

    @AfterAll
    static void closeTokenizer() {
        if (tokenizer != null) {
            tokenizer.close();
        }
    }

    /** The committed corpus (numbers, punctuation, accents, emoji, CJK, whitespace runs, newlines, prefixes). */
    static Stream<Arguments> corpus() throws IOException {
        JsonNode entries = JSON.readTree(Files.readString(TOOLING.resolve("corpus.json"))).get("entries");
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            String preview = "[" + e.get("speaker").intValue() + "]" + e.get("text").stringValue();
            preview = preview.length() > 40 ? preview.substring(0, 40) + "..." : preview;
            out.add(Arguments.of(i, Named.of(preview.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t"),
                    e.get("speaker").intValue()), e.get("text").stringValue()));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{index}: {1}")
    @MethodSource("corpus")
    void engineIdsEqualTransformersTiktokenAndLlama3TokenizerJs(int index, int speaker, String text) {
        JsonNode reference = references.get("entries").get(index);
        assertThat(reference.get("text").stringValue()).as("reference-ids.json is of this corpus entry")
                .isEqualTo(text);
        assertThat(tokenizer.promptText(speaker, text)).as("prompt text").isEqualTo(
                reference.get("prompt").stringValue());

        long[] engine = tokenizer.tokenizePrompt(speaker, text);

        assertThat(engine).as("engine (DJL) vs transformers' fast tokenizer")
                .containsExactly(ids(reference, "transformers"));
        assertThat(engine).as("engine (DJL) vs llama3-tokenizer-js").containsExactly(ids(reference,
                "llama3_tokenizer_js"));
        assertThat(engine).as("engine (DJL) vs tiktoken").containsExactly(ids(reference, "tiktoken"));
    }

    @Test
    void templateCheckAcceptsTheRealBeginAndEndOfTextIds() {
        // load (in buildTheRealTokenizer) ran the template check with bos 128000 and eos 128001 and did not throw
        assertThat(tokenizer).isNotNull();
        long[] ids = tokenizer.tokenizePrompt(0, "Hello");
        assertThat(ids[0]).as("<|begin_of_text|>").isEqualTo(128000L);
        assertThat(ids[ids.length - 1]).as("<|end_of_text|>").isEqualTo(128001L);
    }

    @Test
    void templateCheckRefusesEotIdAsEndOfPrompt() {
        // Llama 3 instruct ends a turn with <|eot_id|> (128009); CSM's prompts end with <|end_of_text|>.
        BundleManifest.Text eotId = new BundleManifest.Text("tokenizer.json", 128256, 128000, 128009,
                "[{speaker}]{text}", true);

        assertThatThrownBy(() -> PromptTokenizer.load(BUNDLE, eotId)).isInstanceOf(BundleException.class)
                .hasMessageContaining("<|end_of_text|>").hasMessageContaining("128009");
    }

    @Test
    void templateCheckRefusesLlama32sOwnPostProcessorWithoutEndOfText() {
        BundleManifest.Text bosOnly = new BundleManifest.Text("tokenizer-bos-only.json", 128256, 128000, 128001,
                "[{speaker}]{text}", true);

        assertThatThrownBy(() -> PromptTokenizer.load(BUNDLE, bosOnly)).isInstanceOf(BundleException.class)
                .hasMessageContaining("does not wrap prompts").hasMessageContaining("re-export");
    }

    private static long[] ids(JsonNode reference, String field) {
        JsonNode array = reference.get(field);
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).longValue();
        }
        return out;
    }

    /** The first command that starts and exits 0 with {@code --version}, or null when none does. */
    private static String firstThatRuns(String... commands) throws InterruptedException {
        for (String command : commands) {
            try {
                Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return command;
                }
                p.destroyForcibly();
            } catch (IOException notOnPath) {
                // try the next name
            }
        }
        return null;
    }
}
