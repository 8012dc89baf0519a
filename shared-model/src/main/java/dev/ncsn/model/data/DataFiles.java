package dev.ncsn.model.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/** Shared file and stream handling of the readers: magic-byte sniffing, gzip detection, directory listings. */
final class DataFiles {

    static final int GZIP_MAGIC_0 = 0x1f;
    static final int GZIP_MAGIC_1 = 0x8b;

    private DataFiles() {
    }

    /** {@code in} buffered so that {@link #peek} works. */
    static BufferedInputStream buffered(InputStream in) {
        return in instanceof BufferedInputStream b ? b : new BufferedInputStream(in, 1 << 16);
    }

    /** Up to {@code n} leading bytes of {@code in}, which is left where it was. */
    static byte[] peek(BufferedInputStream in, int n) throws IOException {
        in.mark(n);
        byte[] head = in.readNBytes(n);
        in.reset();
        return head;
    }

    static boolean isGzip(byte[] head) {
        return head.length >= 2 && (head[0] & 0xff) == GZIP_MAGIC_0 && (head[1] & 0xff) == GZIP_MAGIC_1;
    }

    /** {@code in} decompressed if it starts with the gzip magic bytes, else as it is (buffered either way). */
    static BufferedInputStream gunzipIfCompressed(InputStream in) throws IOException {
        BufferedInputStream b = buffered(in);
        if (isGzip(peek(b, 2))) {
            return buffered(new GZIPInputStream(b, 1 << 16));
        }
        return b;
    }

    /** The first {@code n} bytes of a file, fewer if it is shorter; decompressed when it is gzip. */
    static byte[] head(Path file, int n) {
        try (BufferedInputStream in = gunzipIfCompressed(Files.newInputStream(file))) {
            return in.readNBytes(n);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Entries of a directory sorted by name (not recursive). */
    static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new DatasetException("cannot list directory " + dir + ": " + e, e);
        }
    }

    static String name(Path p) {
        return p.getFileName() == null ? p.toString() : p.getFileName().toString();
    }

    static String lowerName(Path p) {
        return name(p).toLowerCase(Locale.ROOT);
    }

    /** At most {@code max} entry names of {@code dir} for an error message, directories with a trailing slash. */
    static String describeContents(Path dir, int max) {
        List<Path> entries = list(dir);
        if (entries.isEmpty()) {
            return "it is empty";
        }
        List<String> names = new ArrayList<>();
        for (Path p : entries.subList(0, Math.min(max, entries.size()))) {
            names.add(name(p) + (Files.isDirectory(p) ? "/" : ""));
        }
        String more = entries.size() > max ? " and " + (entries.size() - max) + " more" : "";
        return "it holds " + String.join(", ", names) + more;
    }

    static String hex(byte[] bytes, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, bytes.length); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", bytes[i] & 0xff));
        }
        return sb.toString();
    }
}
