package dev.ncsn.gateway;

import dev.ncsn.infra.InfrastructureTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The page in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium; nothing is
 * downloaded): a generation shows intermediate frames level by level before the final image, and an inpainting
 * with a mask drawn by mouse completes. Screenshots go to target/screenshots/.
 */
@QuarkusTest
@WithTestResource(InfrastructureTestResource.class)
class WebPageTest {

    static final File CHROMIUM = new File("/usr/bin/chromium");
    static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    @TestHTTPResource("/")
    URL page;

    private static ChromeDriver driver;
    private static Path profile;

    @BeforeAll
    static void browser() throws IOException {
        boolean browser = CHROMIUM.canExecute() && CHROMEDRIVER.canExecute();
        String install = "the page test needs Debian's chromium and chromium-driver: "
                + "bash scripts/install-system-packages.sh --tests";
        // A machine with only Java 17 skips the page test and says why; CI (CI=true, after .ci/run installed the
        // browser) must run it, so there a missing browser fails.
        if (!browser && !"true".equalsIgnoreCase(System.getenv("CI"))) {
            System.err.println("WebPageTest skipped: " + install);
            Assumptions.abort(install);
        }
        assertTrue(browser, install);
        TestBackend.start();
        profile = Files.createTempDirectory("ncsn-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1400,1100", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void close() throws IOException {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void screenshot(String name) throws IOException {
        File shot = driver.getScreenshotAs(OutputType.FILE);
        Files.copy(shot.toPath(), SCREENSHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> events() {
        return (List<Map<String, Object>>) ((JavascriptExecutor) driver).executeScript("return window.ncsn.events;");
    }

    private static void set(String id, String value) {
        WebElement input = driver.findElement(By.id(id));
        input.clear();
        input.sendKeys(value);
    }

    private static boolean ended() {
        return events().stream().anyMatch(e -> !"frame".equals(e.get("type")) && !"started".equals(e.get("type")));
    }

    @Test
    void generatingShowsIntermediateFramesLevelByLevelBeforeTheFinalImage() throws IOException {
        driver.get(page.toString());
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        wait.until(d -> d.findElement(By.id("model-version")).getText().contains(TestBackend.VERSION));
        assertFalse(driver.findElement(By.id("finalDenoise")).isSelected(),
                "the final step starts as the live NCSN model samples by default: off");
        set("count", "9");
        set("seed", "7");
        set("stepsPerLevel", "10");
        set("frameEvery", "1");
        driver.findElement(By.id("generate")).click();

        // Mid-run: frames of a middle level are on screen, the job is not done yet.
        new WebDriverWait(driver, Duration.ofSeconds(60)).until(d -> events().stream()
                .anyMatch(e -> "frame".equals(e.get("type")) && ((Number) e.get("level")).intValue() >= 3));
        boolean sawRunning = !ended();
        String level = driver.findElement(By.id("level")).getText();
        String midImage = driver.findElement(By.id("live")).getAttribute("src");
        screenshot("page-generating.png");

        new WebDriverWait(driver, Duration.ofSeconds(120)).until(d -> ended());
        screenshot("page-done.png");

        List<Map<String, Object>> events = events();
        Map<String, Object> last = events.get(events.size() - 1);
        assertEquals("done", last.get("type"), events.toString());
        assertEquals("started", events.get(0).get("type"), "the page hears that a worker took the job up");
        List<Map<String, Object>> frames = events.subList(1, events.size() - 1);
        assertEquals(100, frames.size(), "ten frames at each of ten levels, all shown before the final one");
        for (int i = 0; i < events.size(); i++) {
            assertEquals(i, ((Number) events.get(i).get("id")).intValue(), "in order, none missing");
        }
        assertEquals(10, frames.stream().map(e -> ((Number) e.get("level")).intValue()).distinct().count());
        assertTrue(sawRunning, "intermediate frames were on screen while the job ran");
        assertTrue(level.matches("level \\d+/10"), level);
        assertTrue(midImage.startsWith("data:image/png;base64,"), midImage);
        String finalImage = driver.findElement(By.id("live")).getAttribute("src");
        assertTrue(finalImage.startsWith("data:image/png;base64,"));
        assertNotEquals(midImage, finalImage, "the final image replaced the intermediate one");
        assertEquals("done", driver.findElement(By.id("job-status")).getText());
        assertEquals(10, driver.findElements(By.cssSelector("#levels figure")).size(), "a thumbnail per level");
        String download = driver.findElement(By.id("download")).getAttribute("href");
        assertTrue(download.contains("/result.png"), download);
        String job = (String) ((JavascriptExecutor) driver).executeScript("return window.ncsn.job;");
        new WebDriverWait(driver, Duration.ofSeconds(10)).until(d -> !d.findElements(
                By.cssSelector("#jobs tr[data-job='" + job + "'] .status.done")).isEmpty());
    }

    @Test
    void inpaintingWithAMaskDrawnByMouse() throws IOException {
        driver.get(page.toString());
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d ->
                d.findElement(By.id("model-version")).getText().contains(TestBackend.VERSION));
        driver.findElement(By.id("tab-inpaint")).click();
        set("count", "4");
        set("stepsPerLevel", "3");
        set("frameEvery", "1");
        driver.findElement(By.id("use-pattern")).click();
        WebElement canvas = driver.findElement(By.id("inpaint-canvas"));
        // Paint a horizontal band across the middle, from the left edge to the right.
        new Actions(driver).moveToElement(canvas, -120, 0).clickAndHold()
                .moveByOffset(80, 0).moveByOffset(80, 0).moveByOffset(80, 10).release().perform();
        Number painted = (Number) ((JavascriptExecutor) driver).executeScript(
                "return (function () {"
                        + "const d = document.getElementById('inpaint-canvas').getContext('2d')"
                        + ".getImageData(0, 0, 280, 280).data; let n = 0;"
                        + "for (let i = 0; i < d.length; i += 4) { if (d[i] > d[i + 1] + 60) n++; } return n; })();");
        screenshot("page-inpaint-mask.png");
        // A band about 240 × 30 canvas pixels (brush 3 of 28 model pixels on a 280-pixel canvas), without gaps.
        assertTrue(painted.intValue() > 6000, "the stroke shows on the canvas as one band: " + painted);
        driver.findElement(By.id("inpaint")).click();
        new WebDriverWait(driver, Duration.ofSeconds(90)).until(d -> ended());
        screenshot("page-inpaint-done.png");
        List<Map<String, Object>> events = events();
        assertEquals("done", events.get(events.size() - 1).get("type"), events.toString());
        // started, 10 levels × 3 steps of frames (frameEvery 1), done.
        assertEquals(32, events.size());
        assertEquals("started", events.get(0).get("type"), events.toString());
        String job = (String) ((JavascriptExecutor) driver).executeScript("return window.ncsn.job;");
        // The jobs table is re-rendered as the list refreshes: a cell found just before a refresh goes stale.
        new WebDriverWait(driver, Duration.ofSeconds(10)).ignoring(StaleElementReferenceException.class)
                .until(d -> d.findElements(
                By.cssSelector("#jobs tr[data-job='" + job + "'] td")).stream()
                .anyMatch(td -> td.getText().equals("inpainting")));
    }

    @Test
    void theFinalStepCheckboxStartsAsTheLiveModelsFamilySamplesAndKeepsTheUsersChoice() {
        driver.get(page.toString());
        new WebDriverWait(driver, Duration.ofSeconds(30)).until(d ->
                d.findElement(By.id("model-version")).getText().contains(TestBackend.VERSION));
        WebElement box = driver.findElement(By.id("finalDenoise"));
        assertFalse(box.isSelected(), "the live NCSN model samples without the final step by default");
        box.click();
        refreshModelsWith(null);
        assertTrue(box.isSelected(), "the user's choice stands while the same version is live");
        box.click();
        // Another version goes live: an NCSNv2 one (the models list as the gateway answers it, served here by the page's
        // own fetch) turns the step on, an NCSN one after it off again.
        refreshModelsWith(liveVersion("v2", "ncsnv2", true));
        assertTrue(box.isSelected(), "an NCSNv2 version samples with the final step by default");
        refreshModelsWith(liveVersion("v3", "ncsn", false));
        assertFalse(box.isSelected());
        refreshModelsWith(null);
    }

    private static String liveVersion(String version, String family, boolean finalDenoise) {
        return "{\"defaultModel\":\"" + TestBackend.MODEL + "\",\"models\":[{\"model\":\"" + TestBackend.MODEL
                + "\",\"isDefault\":true,\"liveVersion\":\"" + version + "\",\"versions\":[{\"version\":\""
                + version + "\",\"live\":true,\"trainingStep\":1,\"family\":\"" + family + "\",\"channels\":1,"
                + "\"height\":28,\"width\":28,\"levels\":10,\"finalDenoise\":" + finalDenoise
                + ",\"metrics\":{}}]}]}";
    }

    /** Runs the page's models refresh once, with {@code /v1/models} answered by this JSON (null: the real one). */
    private static void refreshModelsWith(String modelsJson) {
        ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const json = arguments[0];
                const real = window.fetch;
                if (json !== null) {
                  window.fetch = (path, options) => String(path) === '/v1/models'
                    ? Promise.resolve(new Response(json, { headers: { 'Content-Type': 'application/json' } }))
                    : real(path, options);
                }
                refreshModels().finally(() => { window.fetch = real; done(); });""", modelsJson);
    }
}
