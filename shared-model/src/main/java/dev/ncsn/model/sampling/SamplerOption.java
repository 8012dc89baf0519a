package dev.ncsn.model.sampling;

import java.util.Locale;

/**
 * One option of a sampler: its name (the JSON key, and the CLI's {@code --name}), type, default and bounds.
 *
 * @param min inclusive lower bound (numbers only)
 * @param max inclusive upper bound (numbers only)
 */
public record SamplerOption(String name, Type type, Object defaultValue, double min, double max, String description) {

    /** What values an option takes. */
    public enum Type { NUMBER, INTEGER, BOOLEAN }

    public static SamplerOption number(String name, double defaultValue, double min, double max, String description) {
        return new SamplerOption(name, Type.NUMBER, defaultValue, min, max, description);
    }

    public static SamplerOption integer(String name, int defaultValue, int min, int max, String description) {
        return new SamplerOption(name, Type.INTEGER, defaultValue, min, max, description);
    }

    public static SamplerOption flag(String name, boolean defaultValue, String description) {
        return new SamplerOption(name, Type.BOOLEAN, defaultValue, 0, 1, description);
    }

    /**
     * The value a user gave (a JSON number or boolean, or the text of a command-line option), checked against
     * the type and bounds; throws IllegalArgumentException naming the option otherwise.
     */
    public Object parse(String sampler, Object given) {
        String where = "option \"" + name + "\" of sampler " + sampler;
        switch (type) {
            case BOOLEAN -> {
                if (given instanceof Boolean b) {
                    return b;
                }
                if (given instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                    return Boolean.parseBoolean(s.toLowerCase(Locale.ROOT));
                }
                throw new IllegalArgumentException(where + " must be true or false, got " + given);
            }
            case INTEGER -> {
                double v = number(where, given);
                if (v != Math.rint(v)) {
                    throw new IllegalArgumentException(where + " must be a whole number, got " + given);
                }
                checkBounds(where, v, given);
                return (int) v;
            }
            default -> {
                double v = number(where, given);
                checkBounds(where, v, given);
                return v;
            }
        }
    }

    private static double number(String where, Object given) {
        if (given instanceof Number n) {
            return n.doubleValue();
        }
        if (given instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException(where + " must be a number, got " + given);
    }

    private void checkBounds(String where, double v, Object given) {
        if (!(v >= min && v <= max)) {
            throw new IllegalArgumentException(where + " must be in [" + format(min) + ", " + format(max) + "], got "
                    + given);
        }
    }

    private String format(double v) {
        return type == Type.INTEGER ? Long.toString((long) v) : Double.toString(v);
    }
}
