/**
 * The {@code ./ncsn} command line (picocli): one class per command ({@code up}, {@code toy}, {@code model-info},
 * {@code bench}, {@code train}, {@code sample}), each a thin layer over shared-model. {@code up} decides what runs
 * and how it is wired; {@code Supervisor} starts, watches and stops those processes ({@code ChildProcess}) in order.
 */
package dev.ncsn.cli;
