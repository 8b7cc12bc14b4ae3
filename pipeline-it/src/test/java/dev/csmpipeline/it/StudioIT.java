package dev.csmpipeline.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.csmpipeline.model.audio.Wav;
import dev.csmpipeline.testsupport.Clips;
import dev.csmpipeline.testsupport.Http;
import dev.csmpipeline.testsupport.WithPipelineInfra;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.Select;
import tools.jackson.databind.JsonNode;

/**
 * The studio page in a real headless Chromium against the real pipeline (broker, S3 server, storage service, a
 * worker with the tiny model), API keys on. Each main state is saved as a screenshot under
 * {@code target/studio/}.
 */
@WithPipelineInfra
@ExtendWith(StudioIT.OnFailure.class)
class StudioIT {

    private static final String KEY = "studio-key-0123456789abcdef";
    private static final Path SHOTS = Path.of("target", "studio");
    private static final Duration JOB_LIMIT = Duration.ofMinutes(2);

    @RegisterExtension
    static final Pipeline pipeline = Pipeline.started(p -> {
        Browser.require(); // before any service starts: without a browser the class is skipped, saying why
        p.startIngest(Map.of("security.api-keys", KEY + "=studio",
                "security.internal-token", "studio-internal-0123456789"));
        p.startStorage();
        p.startWorker(Map.of());
    });

    private static ChromeDriver browser;

    @BeforeAll
    static void startBrowser() throws IOException {
        Files.createDirectories(SHOTS);
        browser = Browser.start(1280, 900);
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void openWithTheKey() {
        browser.manage().window().setSize(new Dimension(1280, 900));
        open();
        useKey(KEY);
    }

    @Test
    void aJobFillsTheBarFromItsEventsAndThePlayerLoadsAudioThatDecodes() {
        // Records every value the bar takes, to tell a bar that follows the events from one that jumps to the end.
        js("window.barValues = []; const bar = document.getElementById('progress');"
                + "new MutationObserver(() => window.barValues.push(bar.value)).observe(bar, {attributes: true});");
        type($("text"), "The studio speaks this sentence as one job, and its progress bar fills while the worker "
                + "generates each frame of audio, one after another, until the whole sentence is spoken aloud.");
        $("speak-button").click();
        await().atMost(JOB_LIMIT).until(() -> "RUNNING".equals(state()) || "SUCCEEDED".equals(state()));
        screenshot("job-running");
        await().atMost(JOB_LIMIT).until(() -> "SUCCEEDED".equals(state()));

        assertThat(((Number) js("return document.getElementById('progress').value")).intValue()).isEqualTo(100);
        List<?> values = (List<?>) js("return window.barValues");
        assertThat(values).as("bar values seen").anySatisfy(v -> assertThat(((Number) v).doubleValue())
                .isStrictlyBetween(0.0, 100.0));
        assertThat($("progress-text").getText()).startsWith("100%");

        String id = awaitPlayerLoaded();
        JsonNode job = api("/v1/jobs/" + id).json();
        byte[] wav = api("/v1/jobs/" + id + "/audio").body();
        double seconds = ((Number) js("return document.getElementById('player').duration")).doubleValue();
        assertThat(seconds * 1000).isCloseTo(job.get("result").get("duration_ms").asDouble(),
                org.assertj.core.data.Offset.offset(50.0));
        Map<?, ?> decoded = decodePlayerAudio();
        assertThat(decoded.get("error")).as("decode error").isNull();
        assertThat(((Number) decoded.get("rate")).intValue()).isEqualTo(24_000);
        assertThat(((Number) decoded.get("length")).longValue())
                .isEqualTo(Wav.read(wav).samples());
        assertThat(((Number) decoded.get("peak")).doubleValue()).as("peak amplitude").isGreaterThan(0.0);
        assertThat($("download").getDomAttribute("download")).isEqualTo(id + ".wav");
        screenshot("job-done");
    }

    @Test
    void aNarrationsSegmentsAreHighlightedDuringPlaybackAndClickingOneSeeksToIt() {
        $("mode-narration").click();
        // Three sentences too long to share a segment of 250 characters: three segments.
        type($("text"), sentence("first") + " " + sentence("second") + " " + sentence("third"));
        $("speak-button").click();
        await().atMost(Duration.ofMinutes(3)).until(() -> "SUCCEEDED".equals(state()));
        String id = awaitPlayerLoaded();
        JsonNode manifest = api("/v1/narrations/" + id + "/manifest").json();
        assertThat(manifest.get("segments")).hasSize(3);
        List<WebElement> items = browser.findElements(By.cssSelector("#segments li"));
        assertThat(items).hasSize(3);
        assertThat(items.get(1).getText()).contains("second");

        items.get(0).findElement(By.tagName("button")).click(); // plays from the start
        await().atMost(Duration.ofSeconds(20)).until(() -> playing() && currentTime() > 0.3);
        assertThat(currentSegment()).isEqualTo(0);

        // Scrub to just before the second segment; playback carries the highlight over.
        double second = manifest.get("segments").get(1).get("start_ms").asLong() / 1000.0;
        js("document.getElementById('player').currentTime = arguments[0]", second - 0.6);
        await().atMost(Duration.ofSeconds(20)).until(() -> currentSegment() == 1);
        assertThat(playing()).isTrue();
        assertThat(currentTime()).isGreaterThanOrEqualTo(second);
        screenshot("narration-playing");

        double third = manifest.get("segments").get(2).get("start_ms").asLong() / 1000.0;
        items.get(2).findElement(By.tagName("button")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> currentSegment() == 2);
        assertThat(currentTime()).isBetween(third, third + 2.0);
        assertThat(items.get(1).getDomAttribute("class")).doesNotContain("current");
        assertThat(items.get(2).findElement(By.tagName("button")).getDomAttribute("aria-current")).isEqualTo("true");
    }

    @Test
    void longTextSwitchesToANarrationByItselfAndTheCancelButtonCancelsIt() {
        StringBuilder text = new StringBuilder();
        for (int i = 1; i <= 12; i++) {
            text.append(sentence("number " + i)).append(' ');
        }
        type($("text"), text.toString());
        assertThat($("mode-narration").isSelected()).isTrue();
        assertThat($("mode-note").getText()).contains("switched to a narration");
        $("speak-button").click();
        await().atMost(JOB_LIMIT).until(() -> "RUNNING".equals(state()));
        screenshot("narration-running");
        assertThat($("cancel").isEnabled()).isTrue();
        $("cancel").click();
        await().atMost(Duration.ofSeconds(30)).until(() -> "CANCELLED".equals(state()));

        String id = $("state").getDomAttribute("data-id");
        JsonNode narration = api("/v1/narrations/" + id).json();
        assertThat(narration.get("state").asText()).isEqualTo("CANCELLED");
        assertThat(narration.get("segments").get("done").asInt()).isLessThan(12);
        assertThat($("cancel").isEnabled()).isFalse();
        assertThat($("player").getDomAttribute("src")).isNull();
        screenshot("narration-cancelled");
    }

    @Test
    void anUploadedVoiceBecomesReadyIsChosenAndSpeaksAJob() throws IOException {
        Path clip = SHOTS.resolve("voice-clip.wav").toAbsolutePath();
        Files.write(clip, Clips.tones(3.0, 16_000, 2));
        $("voice-file").sendKeys(clip.toString());
        type($("voice-transcript"), "Hello there, this is my voice.");
        type($("voice-name"), "Studio narrator");
        $("voice-upload").click();
        await().atMost(JOB_LIMIT).until(() -> $("voice-status").getText().matches("(?s).*(is ready|failed).*"));
        assertThat($("voice-status").getText()).contains("is ready");
        String voice = $("voice").getDomProperty("value");
        assertThat(voice).startsWith("voice:");
        String id = voice.substring("voice:".length());
        JsonNode stored = api("/v1/voices/" + id).json();
        assertThat(stored.get("state").asText()).isEqualTo("READY");
        assertThat(stored.get("name").asText()).isEqualTo("Studio narrator");
        WebElement listed = browser.findElement(By.cssSelector("#voice-list li[data-id='" + id + "']"));
        assertThat(listed.getDomAttribute("data-state")).isEqualTo("READY");
        assertThat(new Select($("voice")).getFirstSelectedOption().getText()).isEqualTo("Studio narrator");
        screenshot("voice-ready");

        type($("text"), "Spoken in the uploaded voice.");
        $("speak-button").click();
        await().atMost(JOB_LIMIT).until(() -> "SUCCEEDED".equals(state()));
        JsonNode job = api("/v1/jobs/" + $("state").getDomAttribute("data-id")).json();
        assertThat(job.get("voice_id").asText()).isEqualTo(id);
        awaitPlayerLoaded();

        listed.findElement(By.cssSelector("button[aria-label^='Delete']")).click();
        await().atMost(Duration.ofSeconds(10)).until(() -> api("/v1/voices/" + id).status() == 404);
        await().atMost(Duration.ofSeconds(10)).until(() -> !$("voice").getDomProperty("value").equals(voice));
    }

    @Test
    void theHistoryListsJobsAndNarrationsNewestFirstAndPlaysThem() {
        String job = Http.postJson(pipeline.ingest().url("/v1/jobs"), "{\"text\":\"From the history.\","
                + "\"max_audio_length_ms\":2000}", auth()).json().get("id").asText();
        String narration = Http.postJson(pipeline.ingest().url("/v1/narrations"),
                "{\"text\":\"A narration in the history. It has two sentences.\"}", auth()).json().get("id").asText();
        await().atMost(JOB_LIMIT).until(() -> "SUCCEEDED".equals(api("/v1/jobs/" + job).json().path("state")
                .asText()) && "SUCCEEDED".equals(api("/v1/narrations/" + narration).json().path("state").asText()));

        $("history-refresh").click();
        // The list may wait for the status table while it rebalances after the pipeline starts.
        await().atMost(Duration.ofSeconds(30)).until(() -> historyIds().containsAll(List.of(job, narration)));
        List<String> ids = historyIds();
        assertThat(ids).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(ids.indexOf(narration)).isLessThan(ids.indexOf(job));
        WebElement entry = browser.findElement(By.cssSelector("#history-list li[data-id='" + narration + "']"));
        assertThat(entry.getDomAttribute("data-kind")).isEqualTo("narration");
        entry.findElement(By.tagName("button")).click();
        await().atMost(Duration.ofSeconds(20)).until(() -> narration.equals(id()));
        assertThat(browser.findElements(By.cssSelector("#segments li"))).hasSize(1);
        browser.findElement(By.cssSelector("#history-list li[data-id='" + job + "'] button")).click();
        await().atMost(Duration.ofSeconds(20)).until(() -> job.equals(id()));
        assertThat(browser.findElements(By.cssSelector("#segments li"))).isEmpty();
        screenshot("history");
    }

    @Test
    void aWrongKeyShowsTheUnauthorizedMessage() {
        js("sessionStorage.clear()");
        open();
        await().atMost(Duration.ofSeconds(10)).until(() -> $("error").isDisplayed());
        assertThat($("error").getText()).contains("needs an API key (401)");
        useKey("wrong-key-0123456789abcdef");
        await().atMost(Duration.ofSeconds(10)).until(() -> $("error").getText().contains("refused (401)"));
        assertThat($("error").getText()).contains("send a valid API key");
        assertThat(js("return sessionStorage.getItem('csm-studio.api-key')")).isEqualTo("wrong-key-0123456789abcdef");
        screenshot("unauthorized");
    }

    @Test
    void atThreeHundredSixtyPixelsThePageFitsIsLabelledAndSpeaksFromTheKeyboard() {
        browser.manage().window().setSize(new Dimension(360, 800));
        open();
        long overflow = (Long) js("return document.documentElement.scrollWidth - window.innerWidth");
        assertThat(overflow).as("horizontal overflow in px at 360 px").isLessThanOrEqualTo(0);
        @SuppressWarnings("unchecked")
        List<String> unlabelled = (List<String>) js("return [...document.querySelectorAll("
                + "'input, select, textarea, button, audio, progress')].filter(e => !(e.labels && e.labels.length)"
                + " && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')"
                + " && !(e.tagName === 'BUTTON' && e.textContent.trim())).map(e => e.id || e.outerHTML)");
        assertThat(unlabelled).as("controls without an accessible name").isEmpty();
        screenshot("idle-360px");

        Actions keys = new Actions(browser);
        for (int i = 0; i < 12 && !"text".equals(js("return document.activeElement.id")); i++) {
            keys.sendKeys(Keys.TAB).perform();
        }
        assertThat(js("return document.activeElement.id")).isEqualTo("text");
        keys.sendKeys("Spoken from the keyboard.").perform();
        keys.keyDown(Keys.CONTROL).sendKeys(Keys.ENTER).keyUp(Keys.CONTROL).perform();
        await().atMost(JOB_LIMIT).until(() -> "SUCCEEDED".equals(state()));
        awaitPlayerLoaded();
        assertThat((Long) js("return document.documentElement.scrollWidth - window.innerWidth"))
                .isLessThanOrEqualTo(0);
        screenshot("job-done-360px");
    }

    // ---- helpers ----

    private static String sentence(String which) {
        return "This is the " + which + " sentence of the narration, long enough that it needs a segment of its "
                + "own, so the fleet can speak it in parallel.";
    }

    private static void open() {
        browser.get(pipeline.ingest().url("/").toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> browser.findElements(By.cssSelector("#voice option"))
                .size() >= 32); // the modules have run
    }

    private static void useKey(String key) {
        WebElement field = $("api-key");
        field.clear();
        field.sendKeys(key);
        $("key-save").click();
    }

    private static void type(WebElement field, String text) {
        field.clear();
        field.sendKeys(text);
    }

    private static WebElement $(String id) {
        return browser.findElement(By.id(id));
    }

    private static Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    private static String state() {
        return $("state").getDomAttribute("data-state");
    }

    /** Waits until the player has the audio's metadata; returns the id of what it plays. */
    private static String awaitPlayerLoaded() {
        await().atMost(Duration.ofSeconds(30)).until(() -> ((Number) js(
                "return document.getElementById('player').readyState")).intValue() >= 1);
        return id();
    }

    /** The id of the job or narration in the player, from its download name. */
    private static String id() {
        String name = $("download").getDomAttribute("download");
        return name == null ? "" : name.substring(0, name.lastIndexOf('.'));
    }

    private static List<String> historyIds() {
        return browser.findElements(By.cssSelector("#history-list li[data-id]")).stream()
                .map(li -> li.getDomAttribute("data-id")).toList();
    }

    private static boolean playing() {
        return Boolean.FALSE.equals(js("return document.getElementById('player').paused"));
    }

    private static double currentTime() {
        return ((Number) js("return document.getElementById('player').currentTime")).doubleValue();
    }

    /** Index of the highlighted segment, -1 for none. */
    private static int currentSegment() {
        return ((Number) js("return [...document.querySelectorAll('#segments li')]"
                + ".findIndex(li => li.classList.contains('current'))")).intValue();
    }

    /** Decodes the player's audio with the browser's own decoder (Web Audio): length, rate and peak. */
    private static Map<?, ?> decodePlayerAudio() {
        return (Map<?, ?>) browser.executeAsyncScript("const done = arguments[arguments.length - 1];"
                + "fetch(document.getElementById('player').currentSrc).then(r => r.arrayBuffer())"
                + ".then(b => new OfflineAudioContext(1, 1, 24000).decodeAudioData(b))"
                + ".then(buf => { const d = buf.getChannelData(0); let peak = 0;"
                + "  for (let i = 0; i < d.length; i++) { peak = Math.max(peak, Math.abs(d[i])); }"
                + "  done({length: buf.length, rate: buf.sampleRate, peak: peak}); })"
                + ".catch(e => done({error: String(e)}));");
    }

    private static String[] auth() {
        return new String[] {"Authorization", "Bearer " + KEY};
    }

    private static Http.Response api(String path) {
        return Http.get(pipeline.ingest().url(path), auth());
    }

    /** Saves the whole page, not only the window, as target/studio/{name}.png. */
    private static void screenshot(String name) {
        Number width = (Number) js("return document.documentElement.scrollWidth");
        Number height = (Number) js("return document.documentElement.scrollHeight");
        Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", width, "height", height,
                        "scale", 1)));
        try {
            Files.write(SHOTS.resolve(name + ".png"), Base64.getDecoder().decode((String) shot.get("data")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** On a failure: the page as it was, what it said, and the browser's console, under target/studio/. */
    static final class OnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (browser == null) {
                return;
            }
            String name = "failed-" + context.getRequiredTestMethod().getName();
            try {
                screenshot(name);
                StringBuilder out = new StringBuilder("error: ").append($("error").getText()).append("\nstate: ")
                        .append($("state").getText()).append("\nconsole:\n");
                browser.manage().logs().get(LogType.BROWSER).forEach(e -> out.append(e).append('\n'));
                out.append("jobs: ").append(api("/v1/jobs?limit=20").text()).append("\nnarrations: ")
                        .append(api("/v1/narrations?limit=20").text()).append('\n');
                Files.writeString(SHOTS.resolve(name + ".txt"), out);
            } catch (RuntimeException | IOException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
