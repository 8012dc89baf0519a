package dev.ncsn.cli;

import dev.ncsn.model.checkpoint.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** `ncsn train` on a folder of eight 28×28 images, two steps of the `compact` preset. */
class TrainCommandTest {

    private static Path images(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (int i = 0; i < 8; i++) {
            BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            image.getRaster().setSample(i, i, 0, 255);
            ImageIO.write(image, "png", dir.resolve("image-" + i + ".png").toFile());
        }
        return dir;
    }

    private static int train(Path data, Path out) {
        return new CommandLine(new TrainCommand()).execute("--data", data.toString(), "--preset", "compact",
                "--steps", "2", "--batch", "2", "--checkpoint-every", "1", "--preview-steps", "0",
                "--out", out.toString());
    }

    @Test
    void aFinishedRunWhoseCheckpointsWereNotKeptPublishesItsFinalCheckpointWhenRerun(@TempDir Path tmp) throws Exception {
        Path data = images(tmp.resolve("data"));
        Path out = tmp.resolve("out");
        assertEquals(0, train(data, out));
        assertEquals(CheckpointDirectory.checkpoints(out).resolve("step-000000002"), CheckpointDirectory.resolve(out));

        // What a fresh clone has: state/ and loss.csv travel in the repository, checkpoints/ does not.
        try (Stream<Path> files = Files.walk(CheckpointDirectory.checkpoints(out))) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
        assertThrows(IllegalArgumentException.class, () -> CheckpointDirectory.resolve(out));

        assertEquals(0, train(data, out));
        Path published = CheckpointDirectory.resolve(out);
        assertEquals("step-000000002", published.getFileName().toString());
        assertEquals(2L, Checkpoint.read(published).manifest().trainingStep());
        assertEquals(3, Files.readAllLines(out.resolve("loss.csv")).size(), "the rerun trains no further step");
    }
}
