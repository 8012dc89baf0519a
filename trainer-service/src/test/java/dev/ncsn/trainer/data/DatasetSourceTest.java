package dev.ncsn.trainer.data;

import dev.ncsn.infra.InfrastructureExtension;
import dev.ncsn.infra.LocalInfrastructure;
import dev.ncsn.model.data.DatasetException;
import dev.ncsn.model.data.MnistReader;
import dev.ncsn.model.image.ImageGrid;
import dev.ncsn.trainer.core.TrainerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Data from a local path, from objects under a prefix, and from dataset versions in a real S3 store. */
@ExtendWith(InfrastructureExtension.class)
class DatasetSourceTest {

    private static TrainerFixture fixture;
    private static DatasetCatalog catalog;
    private static DatasetSource source;

    @BeforeAll
    static void setUp(LocalInfrastructure infra) {
        fixture = new TrainerFixture(infra, "data");
        catalog = new DatasetCatalog(fixture.bucket);
        source = new DatasetSource(fixture.bucket, new DataRoots(java.util.List.of(TrainerFixture.SUBSET)));
    }

    @AfterAll
    static void tearDown() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static byte[] png(int value) {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
                image.getRaster().setSample(x, y, 0, value);
            }
        }
        return ImageGrid.Png.encode(image);
    }

    @Test
    void aDatasetVersionStreamsIntoTheReadersWithMnistsTestSplitHeldOut() {
        DatasetRef v1 = fixture.publishSubset("fashion-data");
        assertEquals(DatasetRef.dataset("fashion-data", "v1"), v1);
        assertEquals(v1, catalog.resolve(DatasetRef.dataset("fashion-data", "latest")));
        DatasetSource.TrainingData data = source.load(v1, null, 64);
        assertEquals(1500, data.train().size(), "labels files are ignored");
        assertEquals(500, data.heldOut().size());
        var local = MnistReader.read(TrainerFixture.SUBSET, "train");
        assertArrayEquals(local.image(1499), data.train().image(1499), "the same pixels as read from disk");
        assertTrue(data.heldOutOrigin().endsWith("t10k-images-idx3-ubyte.gz"), data.heldOutOrigin());
    }

    @Test
    void versionsCountNumericallyAndOnlyCompleteOnesExist() {
        String root = "datasets/numbered/";
        for (int v : List.of(2, 9, 10)) {
            fixture.bucket.put(root + "v" + v + "/a.png", png(v), "image/png");
            fixture.bucket.put(root + "v" + v + "/dataset.json", "{}".getBytes(StandardCharsets.UTF_8),
                    "application/json");
        }
        fixture.bucket.put(root + "v11/a.png", png(11), "image/png"); // still uploading: no marker
        fixture.bucket.put(root + "notes.txt", new byte[] {1}, "text/plain");
        assertEquals(List.of(2, 9, 10), catalog.versions("numbered"));
        assertEquals(DatasetRef.dataset("numbered", "v10"), catalog.resolve(DatasetRef.dataset("numbered", null)));
        assertThrows(DatasetCatalog.UnknownDataException.class,
                () -> catalog.resolve(DatasetRef.dataset("numbered", "v11")), "incomplete");
        assertThrows(DatasetCatalog.UnknownDataException.class,
                () -> catalog.resolve(DatasetRef.dataset("nothing-here", "latest")));
        // the next published version follows the highest prefix, complete or not
        assertEquals(DatasetRef.dataset("numbered", "v12"), catalog.publish("numbered", Map.of("b.png", png(1))));
    }

    @Test
    void imagesUnderAPrefixWithAHeldoutFolder() {
        String prefix = "uploads/shirts/";
        for (int i = 0; i < 5; i++) {
            fixture.bucket.put(prefix + "img-" + i + ".png", png(10 * i), "image/png");
        }
        fixture.bucket.put(prefix + "heldout/h-0.png", png(200), "image/png");
        fixture.bucket.put(prefix + "heldout/h-1.png", png(201), "image/png");
        fixture.bucket.put(prefix + "README.md", "shirts".getBytes(StandardCharsets.UTF_8), "text/markdown");
        DatasetSource.TrainingData data = source.load(DatasetRef.objects(prefix), null, 64);
        assertEquals(5, data.train().size());
        assertEquals(2, data.heldOut().size());
        assertEquals(40 / 255f, data.train().image(4)[0], 1e-6, "ordered by key");
        assertEquals(201 / 255f, data.heldOut().image(1)[0], 1e-6);
    }

    @Test
    void withoutAHeldOutPartTheLastImagesAreHeldOutAndNotTrainedOn() {
        String prefix = "uploads/plain/";
        for (int i = 0; i < 10; i++) {
            fixture.bucket.put(prefix + String.format("p%02d.png", i), png(i), "image/png");
        }
        DatasetSource.TrainingData data = source.load(DatasetRef.objects(prefix), null, 64);
        assertEquals(8, data.train().size());
        assertEquals(2, data.heldOut().size(), "a fifth, at most heldOutSize");
        assertEquals(8 / 255f, data.heldOut().image(0)[0], 1e-6);
        assertEquals(1, source.load(DatasetRef.objects(prefix), null, 1).heldOut().size());
    }

    @Test
    void localPathsAndSeparateHeldOutSources() {
        DatasetSource.TrainingData local = source.load(DatasetRef.local(TrainerFixture.SUBSET.toString()), null, 64);
        assertEquals(1500, local.train().size());
        assertEquals(500, local.heldOut().size(), "t10k beside the training images");
        Path file = TrainerFixture.SUBSET.resolve("t10k-images-idx3-ubyte.gz");
        DatasetSource.TrainingData single = source.load(DatasetRef.local(file.toString()), null, 64);
        assertEquals(436, single.train().size());
        assertEquals(64, single.heldOut().size());
        DatasetSource.TrainingData separate = source.load(DatasetRef.local(file.toString()),
                DatasetRef.local(TrainerFixture.SUBSET.resolve("train-images-idx3-ubyte.gz").toString()), 64);
        assertEquals(500, separate.train().size());
        assertEquals(1500, separate.heldOut().size());

        // Checked at every read, not only when a run starts: a resumed run's stored path is held to the roots too.
        String outside = TrainerFixture.SUBSET.resolve("../../../../pom.xml").toString();
        assertTrue(assertThrows(DataRoots.ForbiddenDataPathException.class,
                () -> source.load(DatasetRef.local(outside), null, 64)).getMessage().startsWith("data: "));
        assertTrue(assertThrows(DataRoots.ForbiddenDataPathException.class,
                () -> source.load(DatasetRef.local(file.toString()), DatasetRef.local("/etc/passwd"), 64))
                .getMessage().startsWith("heldOut: "));
    }

    @Test
    void unusableDataIsRefusedWithTheReason() {
        String empty = "uploads/empty/";
        fixture.bucket.put(empty + "notes.txt", new byte[] {1}, "text/plain");
        String message = assertThrows(DatasetException.class,
                () -> source.load(DatasetRef.objects(empty), null, 8)).getMessage();
        assertTrue(message.contains("found only notes.txt"), message);

        String mixed = "uploads/mixed/";
        fixture.bucket.put(mixed + "a.png", png(1), "image/png");
        fixture.bucket.put(mixed + "train-images-idx3-ubyte.gz",
                TrainerFixture.subsetFile("t10k-images-idx3-ubyte.gz"), "application/octet-stream");
        message = assertThrows(DatasetException.class, () -> source.load(DatasetRef.objects(mixed), null, 8))
                .getMessage();
        assertTrue(message.contains("ambiguous"), message);

        String corrupt = "uploads/corrupt/";
        fixture.bucket.put(corrupt + "train-images-idx3-ubyte.gz", new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2},
                "application/octet-stream");
        assertThrows(DatasetException.class, () -> source.load(DatasetRef.objects(corrupt), null, 8));
    }
}
