package dev.ncsn.deploy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Dockerfiles against what {@code ./mvnw package} builds (this module comes after the services in the
 * reactor, so {@code ./mvnw verify} has packaged them): every COPY source exists, is in the build context that
 * .dockerignore leaves, and the Quarkus fast-jar layout is copied whole; images run as a non-root user; the CUDA
 * image names a libtorch build that the packaged pytorch-jni has a JNI library for.
 */
class DockerfilesTest {

    static final List<String> DOCKERFILES = List.of("gateway-service/Dockerfile", "trainer-service/Dockerfile",
            "sampler-service/Dockerfile", "sampler-service/Dockerfile.gpu", "ncsn-cli/Dockerfile");

    @ParameterizedTest
    @ValueSource(strings = {"gateway-service/Dockerfile", "trainer-service/Dockerfile", "sampler-service/Dockerfile",
            "sampler-service/Dockerfile.gpu", "ncsn-cli/Dockerfile"})
    void everyCopySourceExistsAfterPackageAndIsInTheBuildContext(String dockerfile) throws IOException {
        Dockerfiles d = Dockerfiles.parse(dockerfile);
        assertFalse(d.copies().isEmpty(), dockerfile);
        List<String> kept = dockerignoreExceptions();
        for (Dockerfiles.Copy copy : d.copies()) {
            String source = copy.source();
            List<Path> matches = glob(source);
            assertFalse(matches.isEmpty(), dockerfile + ": COPY " + source + " matches nothing; run `./mvnw package` "
                    + "first (this module's tests run after the services are packaged)");
            String plain = source.replaceAll("/?\\*[^/]*$", "").replaceAll("/$", "");
            assertTrue(kept.stream().anyMatch(k -> plain.equals(k) || plain.startsWith(k + "/")),
                    dockerfile + ": " + source + " is excluded from the build context by .dockerignore (kept: " + kept + ")");
        }
        assertFalse(d.users().isEmpty(), dockerfile + " sets a USER");
        String user = d.users().get(d.users().size() - 1);
        assertFalse(user.equals("root") || user.startsWith("0"), dockerfile + " runs as non-root, not " + user);
        assertTrue(d.buildCommand().startsWith("docker build -f " + dockerfile + " -t ncsn/"),
                dockerfile + " documents its build command from the repository root: " + d.buildCommand());
    }

    @ParameterizedTest
    @ValueSource(strings = {"gateway-service", "trainer-service", "sampler-service"})
    void theWholeQuarkusAppIsCopied(String service) throws IOException {
        Path app = Repo.path(service + "/target/quarkus-app");
        assertTrue(Files.isRegularFile(app.resolve("quarkus-run.jar")), service + " is packaged (./mvnw package)");
        for (String dockerfile : List.of(service + "/Dockerfile", service + "/Dockerfile.gpu")) {
            if (!Files.exists(Repo.path(dockerfile))) {
                continue;
            }
            Dockerfiles d = Dockerfiles.parse(dockerfile);
            List<String> copied = new ArrayList<>();
            d.copies().forEach(c -> glob(c.source()).forEach(p -> copied.add(Repo.ROOT.relativize(p).toString())));
            try (Stream<Path> top = Files.list(app)) {
                for (Path entry : top.toList()) {
                    String rel = Repo.ROOT.relativize(entry).toString();
                    if (!rel.endsWith(".txt")) { // quarkus-app-dependencies.txt: a listing, not needed at run time
                        assertTrue(copied.contains(rel), dockerfile + " copies " + rel);
                    }
                }
            }
            assertTrue(Repo.read(dockerfile).contains("-jar /deployments/quarkus-run.jar"), dockerfile + " runs the fast-jar");
            assertTrue(d.copies().stream().anyMatch(c -> c.source().endsWith("quarkus-app/*.jar")
                    && c.destination().equals("/deployments/")), dockerfile + " puts quarkus-run.jar in /deployments");
            assertEquals("0.0.0.0", d.env().get("QUARKUS_HTTP_HOST"), dockerfile);
        }
    }

    @Test
    void theCudaImageNamesALibtorchThatDjlsJniMatches() throws IOException {
        Dockerfiles gpu = Dockerfiles.parse("sampler-service/Dockerfile.gpu");
        String version = gpu.env().get("PYTORCH_VERSION");
        String flavor = gpu.env().get("PYTORCH_FLAVOR");
        assertNotNull(gpu.env().get("PYTORCH_LIBRARY_PATH"), "libtorch comes from the image, not a download");
        String pom = Repo.read("pom.xml");
        assertTrue(pom.contains("<pytorch.native.version>" + version + "</pytorch.native.version>"),
                "PYTORCH_VERSION " + version + " is the project's PyTorch version");
        assertTrue(Repo.read("sampler-service/Dockerfile.gpu").contains("pytorch/pytorch:" + version + "-cuda"),
                "the base image carries PyTorch " + version);
        assertTrue(flavor.startsWith("cu"), flavor);
        assertTrue(Repo.read("sampler-service/Dockerfile.gpu").contains("-cuda" + flavor.charAt(2) + flavor.charAt(3)
                + "." + flavor.substring(4)), "the base image's CUDA is " + flavor);
        List<Path> jni = glob("sampler-service/target/quarkus-app/lib/main/ai.djl.pytorch.pytorch-jni-*.jar");
        assertEquals(1, jni.size(), "the sampler packages one pytorch-jni");
        try (JarFile jar = new JarFile(jni.get(0).toFile())) {
            assertNotNull(jar.getEntry("jnilib/linux-x86_64/" + flavor + "/libdjl_torch.so"),
                    jni.get(0).getFileName() + " has a JNI library for " + flavor + ": DJL takes it from there offline");
            Properties p = new Properties();
            p.load(jar.getInputStream(jar.getEntry("jnilib/pytorch.properties")));
            assertTrue(p.getProperty("jni_version").startsWith(version + "-"), "the JNI is built for PyTorch " + version);
        }
        assertEquals("true", String.valueOf(gpu.env().get("JAVA_OPTS").contains("-Dai.djl.offline=true")),
                "DJL never downloads at pod start");
    }

    /** The ! lines of .dockerignore (everything else is excluded by its leading **). */
    static List<String> dockerignoreExceptions() {
        List<String> lines = Repo.read(".dockerignore").lines().map(String::strip).toList();
        assertEquals("**", lines.stream().filter(l -> !l.isEmpty() && !l.startsWith("#")).findFirst().orElse(""),
                ".dockerignore excludes everything first");
        return lines.stream().filter(l -> l.startsWith("!")).map(l -> l.substring(1).replaceAll("/$", "")).toList();
    }

    /** Files matching a COPY source: a path whose last segment may hold one *. */
    static List<Path> glob(String source) {
        String s = source.replaceAll("/$", "");
        Path parent = Repo.path(s).getParent();
        String last = Repo.path(s).getFileName().toString();
        if (!last.contains("*")) {
            return Files.exists(Repo.path(s)) ? List.of(Repo.path(s)) : List.of();
        }
        var matcher = parent.getFileSystem().getPathMatcher("glob:" + last);
        try (Stream<Path> files = Files.list(parent)) {
            return files.filter(p -> matcher.matches(p.getFileName())).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
