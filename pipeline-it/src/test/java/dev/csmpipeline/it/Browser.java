package dev.csmpipeline.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real headless Chromium for browser tests: Debian's {@code chromium} driven through its {@code chromium-driver}
 * by Selenium. Where they are missing, they are installed with apt-get (as root, where apt-get exists, unless
 * {@code -Dstudio.browser.install=false}); only where that is impossible are the browser tests skipped, with the
 * reason. Both paths are given to Selenium, so Selenium Manager never looks for (or downloads) a browser or driver.
 */
final class Browser {

    private static final Logger log = LoggerFactory.getLogger(Browser.class);
    static final Path CHROMIUM = Path.of(System.getProperty("studio.chromium", "/usr/bin/chromium"));
    static final Path DRIVER = Path.of(System.getProperty("studio.chromedriver", "/usr/bin/chromedriver"));
    private static final Duration INSTALL_LIMIT = Duration.ofMinutes(10);

    private Browser() {
    }

    /** Installs the browser where it is missing and can be; otherwise aborts the calling tests, saying why. */
    static void require() {
        Optional<String> missing = missing();
        if (missing.isPresent()) {
            missing = install(missing.get());
        }
        if (missing.isPresent()) {
            String reason = "BROWSER TESTS SKIPPED: " + missing.get() + ". Install Debian's chromium and "
                    + "chromium-driver (apt-get install chromium chromium-driver) to run them.";
            System.err.println(reason);
            log.error("event=browser_tests_skipped reason=\"{}\"", missing.get());
            Assumptions.abort(reason);
        }
    }

    /** A headless Chromium with a window of {@code width} x {@code height} CSS pixels. */
    static ChromeDriver start(int width, int height) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=" + width + "," + height, "--autoplay-policy=no-user-gesture-required",
                "--mute-audio", "--lang=en-US",
                // no calls home: the browser talks only to the page under test
                "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-default-apps",
                "--disable-features=Translate,OptimizationHints,MediaRouter");
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL")); // the console, for failure reports
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(width, height));
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return driver;
    }

    private static Optional<String> missing() {
        if (!Files.isExecutable(CHROMIUM)) {
            return Optional.of(CHROMIUM + " is not installed");
        }
        if (!Files.isExecutable(DRIVER)) {
            return Optional.of(DRIVER + " is not installed");
        }
        return Optional.empty();
    }

    /** apt-get install chromium chromium-driver (after apt-get update if the first try fails). */
    private static Optional<String> install(String why) {
        if (!Boolean.parseBoolean(System.getProperty("studio.browser.install", "true"))) {
            return Optional.of(why + " and installing it is turned off (studio.browser.install=false)");
        }
        if (!"root".equals(System.getProperty("user.name")) || !Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            return Optional.of(why + " and it cannot be installed here (needs root and apt-get)");
        }
        log.info("event=browser_install reason=\"{}\"", why);
        List<String> install = List.of("apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium",
                "chromium-driver");
        if (run(install) != 0 && (run(List.of("apt-get", "update", "-qq")) != 0 || run(install) != 0)) {
            return Optional.of(why + " and apt-get could not install chromium chromium-driver");
        }
        return missing();
    }

    private static int run(List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            if (!p.waitFor(INSTALL_LIMIT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            log.info("event=browser_install_step command=\"{}\" exit={}", String.join(" ", command), p.exitValue());
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
