package dev.ncsn.gateway.core;

import dev.ncsn.model.image.ImageDecoder;

import java.util.Base64;
import java.util.List;

/** The image and mask of an inpainting request: base64 (or data URL) PNGs of exactly the model's input size. */
public final class ImageInput {

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private ImageInput() {
    }

    /** The PNG bytes of a base64 string, accepting a {@code data:image/png;base64,} prefix. */
    public static byte[] decodeBase64(String value, String what, List<String> problems) {
        String v = value.strip();
        if (v.startsWith("data:")) {
            int comma = v.indexOf(',');
            if (comma < 0 || !v.substring(0, comma).endsWith(";base64")) {
                problems.add(what + " is a data URL without base64 data");
                return null;
            }
            v = v.substring(comma + 1);
        }
        try {
            return Base64.getMimeDecoder().decode(v);
        } catch (IllegalArgumentException e) {
            problems.add(what + " is not valid base64: " + e.getMessage());
            return null;
        }
    }

    /**
     * Checks that the bytes are a PNG of the model's size (and, for a mask, that it marks something to generate);
     * adds a sentence per problem.
     */
    public static void check(byte[] png, String what, boolean mask, ModelCatalog.LiveModel model, List<String> problems) {
        if (png == null) {
            return;
        }
        if (png.length == 0) {
            problems.add(what + " is empty");
            return;
        }
        if (!isPng(png)) {
            problems.add(what + " is not a PNG" + guess(png) + "; send a PNG of " + model.width() + "×"
                    + model.height() + " pixels");
            return;
        }
        try {
            if (mask) {
                ImageDecoder.mask(png, model.channels(), model.height(), model.width());
            } else {
                ImageDecoder.pixels(png, model.channels(), model.height(), model.width());
            }
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage() + (e.getMessage().startsWith(what) ? "" : " (" + what + ")"));
        }
    }

    public static boolean isPng(byte[] bytes) {
        if (bytes.length < PNG_SIGNATURE.length) {
            return false;
        }
        for (int i = 0; i < PNG_SIGNATURE.length; i++) {
            if (bytes[i] != PNG_SIGNATURE[i]) {
                return false;
            }
        }
        return true;
    }

    private static String guess(byte[] b) {
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8) {
            return " (it looks like a JPEG)";
        }
        if (b.length >= 4 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') {
            return " (it looks like a GIF)";
        }
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') {
            return " (it looks like a BMP)";
        }
        return "";
    }
}
