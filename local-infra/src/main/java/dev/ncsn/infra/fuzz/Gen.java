package dev.ncsn.infra.fuzz;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A seeded generator: one value per draw from the given random source, so a whole run drawn from one seed can be
 * replayed. The fuzz suites' own (the gateway's HTTP fuzz test and the sampler's poison-record test), not jqwik's:
 * jqwik 1.10 asks at run time that AI agents not use it, and this project is written with them. It lives here, in
 * the module every service's tests already depend on, so that both suites draw with the same generators.
 * Numbers, sizes and characters are drawn toward their edge values (0, ±1, MIN/MAX, NaN, empty, full) in about
 * one draw in eight, the way property-testing libraries mix in boundary cases.
 */
@FunctionalInterface
public interface Gen<T> {

    T next(SplittableRandom r);

    /** About one draw in eight goes to an edge value. */
    static boolean edge(SplittableRandom r) {
        return r.nextInt(8) == 0;
    }

    default <U> Gen<U> map(Function<? super T, ? extends U> f) {
        return r -> f.apply(next(r));
    }

    /** Draws until a value passes, at most 1000 times (a filter that passes almost nothing is a mistake). */
    default Gen<T> filter(java.util.function.Predicate<? super T> keep) {
        return r -> {
            for (int i = 0; i < 1000; i++) {
                T value = next(r);
                if (keep.test(value)) {
                    return value;
                }
            }
            throw new IllegalStateException("the filter passed none of 1000 draws");
        };
    }

    /** Lists of 0 to {@code maxSize} values, empty or full more often than uniform. */
    default Gen<List<T>> list(int maxSize) {
        return r -> {
            int n = size(r, 0, maxSize);
            List<T> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                values.add(next(r));
            }
            return values;
        };
    }

    static <T> Gen<T> just(T value) {
        return r -> value;
    }

    @SafeVarargs
    static <T> Gen<T> of(T... values) {
        T[] copy = values.clone();
        return r -> copy[r.nextInt(copy.length)];
    }

    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... gens) {
        Gen<? extends T>[] copy = gens.clone();
        return r -> copy[r.nextInt(copy.length)].next(r);
    }

    /** Like {@link #oneOf}, each generator built on its first draw (so generators may refer to each other). */
    @SafeVarargs
    static <T> Gen<T> lazyOf(Supplier<? extends Gen<? extends T>>... suppliers) {
        @SuppressWarnings("unchecked")
        Gen<? extends T>[] built = new Gen[suppliers.length];
        return r -> {
            int i = r.nextInt(suppliers.length);
            if (built[i] == null) {
                built[i] = suppliers[i].get();
            }
            return built[i].next(r);
        };
    }

    static <T> Gen<T> frequency(int w1, Gen<? extends T> g1, int w2, Gen<? extends T> g2) {
        return weighted(new int[] {w1, w2}, List.of(g1, g2));
    }

    static <T> Gen<T> frequency(int w1, Gen<? extends T> g1, int w2, Gen<? extends T> g2, int w3,
                                Gen<? extends T> g3) {
        return weighted(new int[] {w1, w2, w3}, List.of(g1, g2, g3));
    }

    static <T> Gen<T> frequency(int w1, Gen<? extends T> g1, int w2, Gen<? extends T> g2, int w3,
                                Gen<? extends T> g3, int w4, Gen<? extends T> g4) {
        return weighted(new int[] {w1, w2, w3, w4}, List.of(g1, g2, g3, g4));
    }

    /** The generator at index i drawn with weight {@code weights[i]}. */
    static <T> Gen<T> weighted(int[] weights, List<? extends Gen<? extends T>> gens) {
        if (weights.length != gens.size() || weights.length == 0 || Arrays.stream(weights).anyMatch(w -> w < 0)) {
            throw new IllegalArgumentException("one non-negative weight per generator: " + Arrays.toString(weights));
        }
        int total = Arrays.stream(weights).sum();
        if (total <= 0) {
            throw new IllegalArgumentException("no positive weight: " + Arrays.toString(weights));
        }
        int[] w = weights.clone();
        List<? extends Gen<? extends T>> g = List.copyOf(gens);
        return r -> {
            int pick = r.nextInt(total);
            int i = 0;
            while (pick >= w[i]) {
                pick -= w[i++];
            }
            return g.get(i).next(r);
        };
    }

    // ---- numbers

    /** Any int. */
    static Gen<Integer> ints() {
        return ints(Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** Ints from {@code lo} to {@code hi}, both included; toward lo, lo + 1, -1, 0, 1, hi - 1 and hi. */
    static Gen<Integer> ints(int lo, int hi) {
        Gen<Long> longs = longs(lo, hi);
        return r -> (int) (long) longs.next(r);
    }

    /** Any long. */
    static Gen<Long> longs() {
        return longs(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** Longs from {@code lo} to {@code hi}, both included; toward lo, lo + 1, -1, 0, 1, hi - 1 and hi. */
    static Gen<Long> longs(long lo, long hi) {
        if (lo > hi) {
            throw new IllegalArgumentException(lo + " > " + hi);
        }
        long[] edges = Arrays.stream(new long[] {lo, lo + 1, -1, 0, 1, hi - 1, hi})
                .filter(v -> v >= lo && v <= hi).distinct().toArray();
        return r -> {
            if (edge(r)) {
                return edges[r.nextInt(edges.length)];
            }
            long span = hi - lo + 1;
            if (span > 0) {
                return lo + r.nextLong(span);
            }
            long v; // a range wider than Long.MAX_VALUE: any long, until one falls in it (at least half do)
            do {
                v = r.nextLong();
            } while (v < lo || v > hi);
            return v;
        };
    }

    /** Any double: a spread of magnitudes, and toward 0, -0, ±1, MIN_VALUE, MIN_NORMAL, MAX_VALUE, ±∞ and NaN. */
    static Gen<Double> doubles() {
        double[] edges = {0.0, -0.0, 1.0, -1.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
                Double.MAX_VALUE, -Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
        return r -> {
            if (edge(r)) {
                return edges[r.nextInt(edges.length)];
            }
            return switch (r.nextInt(3)) {
                case 0 -> r.nextDouble(-1.0, 1.0);
                case 1 -> (r.nextBoolean() ? 1 : -1) * Math.pow(10, r.nextDouble(-30, 30));
                default -> Double.longBitsToDouble(r.nextLong()); // any bit pattern, NaNs included
            };
        };
    }

    // ---- strings and bytes

    /** Strings of 0 to {@code maxLength} chars: mostly printable ASCII, with control, non-ASCII and odd chars. */
    static Gen<String> strings(int maxLength) {
        return strings(0, maxLength, Gen::anyChar);
    }

    /** Strings of {@code minLength} to {@code maxLength} ASCII letters. */
    static Gen<String> alphaStrings(int minLength, int maxLength) {
        return strings(minLength, maxLength, (r, b) -> {
            int c = r.nextInt(52);
            b.append((char) (c < 26 ? 'a' + c : 'A' + c - 26));
        });
    }

    /** Appends one char (or one surrogate pair) to the builder. */
    interface CharDraw {
        void append(SplittableRandom r, StringBuilder b);
    }

    private static Gen<String> strings(int minLength, int maxLength, CharDraw chars) {
        return r -> {
            int n = size(r, minLength, maxLength);
            StringBuilder b = new StringBuilder(n + 1);
            while (b.length() < n) {
                chars.append(r, b);
            }
            b.setLength(n); // a surrogate pair drawn last may not fit; a lone surrogate is a fine fuzz value
            return b.toString();
        };
    }

    private static void anyChar(SplittableRandom r, StringBuilder b) {
        int kind = r.nextInt(8);
        switch (kind) {
            case 0 -> b.append((char) (r.nextBoolean() ? r.nextInt(0x20) : 0x7f)); // control
            case 1, 2 -> b.append((char) r.nextInt(0x80, 0xD800)); // non-ASCII, below the surrogates
            case 3 -> b.append(ODD_CHARS.charAt(r.nextInt(ODD_CHARS.length())));
            case 4 -> b.appendCodePoint(r.nextInt(0x10000, 0x110000)); // beyond the BMP: a surrogate pair
            default -> b.append((char) r.nextInt(0x20, 0x7f)); // printable ASCII
        }
    }

    /** Chars that parsers and encoders get wrong: quotes, escapes, separators, BOM, NEL, bidi, noncharacters. */
    String ODD_CHARS = "\"\\'/%&?#;:=+<>{}[] \t\r\n\u0000\u0085\u00a0\u00e9\u00ff\u2028\u2029\u202e\ufeff\ufffd"
            + "\uffff\ud800\udfff";

    /** Byte arrays of 0 to {@code maxSize} bytes: uniform, or all zeros or all 0xff. */
    static Gen<byte[]> bytes(int maxSize) {
        return r -> {
            byte[] b = new byte[size(r, 0, maxSize)];
            if (edge(r)) {
                Arrays.fill(b, r.nextBoolean() ? 0 : (byte) 0xff);
            } else {
                r.nextBytes(b);
            }
            return b;
        };
    }

    /** A size from min to max, toward min, min + 1 and max. */
    private static int size(SplittableRandom r, int min, int max) {
        if (edge(r)) {
            return switch (r.nextInt(3)) {
                case 0 -> min;
                case 1 -> Math.min(min + 1, max);
                default -> max;
            };
        }
        return r.nextInt(min, max + 1);
    }

    // ---- combinations

    static <A, B, R> Gen<R> combine(Gen<A> a, Gen<B> b, BiFunction<? super A, ? super B, ? extends R> f) {
        return r -> f.apply(a.next(r), b.next(r));
    }

    interface F3<A, B, C, R> {
        R apply(A a, B b, C c);
    }

    interface F4<A, B, C, D, R> {
        R apply(A a, B b, C c, D d);
    }

    interface F5<A, B, C, D, E, R> {
        R apply(A a, B b, C c, D d, E e);
    }

    interface F6<A, B, C, D, E, F, R> {
        R apply(A a, B b, C c, D d, E e, F f);
    }

    static <A, B, C, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c,
                                       F3<? super A, ? super B, ? super C, ? extends R> f) {
        return r -> f.apply(a.next(r), b.next(r), c.next(r));
    }

    static <A, B, C, D, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d,
                                          F4<? super A, ? super B, ? super C, ? super D, ? extends R> f) {
        return r -> f.apply(a.next(r), b.next(r), c.next(r), d.next(r));
    }

    static <A, B, C, D, E, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Gen<E> e,
                                             F5<? super A, ? super B, ? super C, ? super D, ? super E, ? extends R> f) {
        return r -> f.apply(a.next(r), b.next(r), c.next(r), d.next(r), e.next(r));
    }

    static <A, B, C, D, E, F, R> Gen<R> combine(Gen<A> a, Gen<B> b, Gen<C> c, Gen<D> d, Gen<E> e, Gen<F> g,
                                                F6<? super A, ? super B, ? super C, ? super D, ? super E, ? super F,
                                                        ? extends R> f) {
        return r -> f.apply(a.next(r), b.next(r), c.next(r), d.next(r), e.next(r), g.next(r));
    }
}
