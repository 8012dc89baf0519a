// Run by scripts/gpu-check.sh: java scripts/ComparePngs.java A.png B.png MAX_MEAN_LEVELS
// Compares two sample grids of the same job (same seed, same steps) pixel by pixel in 8-bit levels and prints one
// JSON line; exit 0 when the mean difference is at most MAX_MEAN_LEVELS, 1 otherwise.
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;

public class ComparePngs {
    public static void main(String[] args) throws Exception {
        BufferedImage a = ImageIO.read(new File(args[0]));
        BufferedImage b = ImageIO.read(new File(args[1]));
        double limit = Double.parseDouble(args[2]);
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) {
            System.out.println("{\"ok\":false,\"reason\":\"the grids differ in size\"}");
            System.exit(1);
        }
        long sum = 0;
        int max = 0;
        long over2 = 0;
        long n = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int pa = a.getRGB(x, y);
                int pb = b.getRGB(x, y);
                for (int shift = 0; shift < 24; shift += 8) {
                    int d = Math.abs(((pa >> shift) & 0xff) - ((pb >> shift) & 0xff));
                    sum += d;
                    max = Math.max(max, d);
                    over2 += d > 2 ? 1 : 0;
                    n++;
                }
            }
        }
        double mean = (double) sum / n;
        boolean ok = mean <= limit;
        System.out.printf(java.util.Locale.ROOT, "{\"meanLevels\":%.3f,\"maxLevels\":%d,\"fractionOver2Levels\":%.4f,"
                + "\"limitMeanLevels\":%.2f,\"ok\":%b}%n", mean, max, (double) over2 / n, limit, ok);
        System.exit(ok ? 0 : 1);
    }
}
