package dev.reactorfifo.examples.webflux;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The page in a real browser: Debian's headless Chromium driven by Selenium through Debian's
 * chromedriver, both named by path so that Selenium Manager never tries to download anything.
 * Without them the test fails on CI ({@code CI=true}; {@code .ci/run} installs them) and is
 * skipped elsewhere.
 *
 * <p>A writer process writes a line every 50 ms for the whole test. The page must show a line
 * within 1 s of its writer having written it, then, with "odd" typed into the filter box, show
 * only lines containing "odd", live ones among them. Screenshots go to
 * {@code target/webflux-live-view*.png} (the README's is a copy).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext
@Timeout(180)
class BrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    static Path folder;

    @DynamicPropertySource
    static void fifo(DynamicPropertyRegistry registry) {
        registry.add("fifo", () -> folder.resolve("browser.fifo").toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    FifoHub hub;

    Writers writers;
    ChromeDriverService service;
    WebDriver browser;

    @BeforeEach
    void startBrowser(@TempDir Path profile) throws Exception {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!installed && "true".equals(System.getenv("CI"))) {
            fail("CI=true but " + CHROMIUM + " or " + CHROMEDRIVER + " is missing: the browser test cannot run. "
                    + "Install them with: apt-get update && apt-get install -y chromium chromium-driver (.ci/run does)");
        }
        assumeTrue(installed, CHROMIUM + " or " + CHROMEDRIVER + " not found (apt-get install chromium chromium-driver): skipping the browser test");

        writers = new Writers(hub.pipe().path());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // as root: no sandbox; nothing that talks to the network on its own; a fresh profile
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--window-size=1280,720");
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Writers.PATIENCE).scriptTimeout(Writers.PATIENCE);
    }

    @AfterEach
    void stopBrowser() throws Exception {
        try {
            if (browser != null) {
                browser.quit();
            }
        } finally {
            if (service != null) {
                service.stop();
            }
            if (writers != null) {
                writers.close();
            }
        }
    }

    @Test
    void linesAppearWithinOneSecondAndTheFilterKeepsOnlyMatchingLines() throws Exception {
        // a service's log: 20 lines a second, "odd" or "even" in each
        writers.start("i=0; while [ $i -lt 3000 ]; do i=$((i+1)); "
                + "if [ $((i % 2)) -eq 1 ]; then k=odd; else k=even; fi; "
                + "if [ $((i % 9)) -eq 0 ]; then l=WARN; else l=INFO; fi; "
                + "printf '%s %-4s orders  request %d (%s) served in %d ms\\n' \"$(date +%H:%M:%S)\" $l $i $k $((i * 37 % 90 + 3)); "
                + "sleep 0.05; done > \"$1\"");
        browser.get("http://localhost:" + port + "/");
        WebDriverWait patient = new WebDriverWait(browser, Writers.PATIENCE, Duration.ofMillis(20));
        patient.until(page -> !lines().isEmpty());

        // one line from another writer: on the page within 1 s of its printf having finished
        String marker = "marker " + UUID.randomUUID();
        Process printf = writers.start("printf '%s\\n' '" + marker + "' > \"$1\"");
        assertThat(printf.waitFor(Writers.PATIENCE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        long written = System.nanoTime();
        new WebDriverWait(browser, Duration.ofSeconds(1), Duration.ofMillis(10))
                .withMessage("the marker line on the page within 1 s")
                .until(page -> lines().contains(marker));
        System.out.printf("browser: the marker line was on the page %d ms after its writer finished%n",
                (System.nanoTime() - written) / 1_000_000);

        // a few seconds of chart, for the screenshot
        patient.until(page -> ((Number) js("return perSecond.filter(n => n > 0).length")).intValue() >= 6);
        screenshot("webflux-live-view.png");

        long lastBefore = lastRequestNumber(lines());
        browser.findElement(By.id("filter")).sendKeys("odd");
        patient.withMessage("only lines containing odd, a live one among them").until(page -> {
            List<String> shown = lines();
            return !shown.isEmpty() && shown.stream().allMatch(line -> line.contains("odd"))
                    && lastRequestNumber(shown) > lastBefore;
        });
        assertThat(browser.getCurrentUrl()).endsWith("?contains=odd");
        assertThat(browser.findElement(By.id("total")).getText()).isNotEqualTo("0");
        screenshot("webflux-live-view-filtered.png");
    }

    @SuppressWarnings("unchecked")
    private List<String> lines() {
        return (List<String>) js("return Array.from(document.querySelectorAll('#lines .line'), e => e.textContent)");
    }

    private Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    /** The highest "request N" among the lines, 0 if none. */
    private static long lastRequestNumber(List<String> lines) {
        return lines.stream().map(line -> line.replaceAll(".* request (\\d+) .*", "$1"))
                .filter(n -> n.matches("\\d+")).mapToLong(Long::parseLong).max().orElse(0);
    }

    private void screenshot(String name) throws Exception {
        File png = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), Path.of("target", name), StandardCopyOption.REPLACE_EXISTING);
    }
}
