/**
 * The trainer without Quarkus: {@link dev.ncsn.trainer.core.TrainerNode} starts, stops, resumes and lists runs;
 * {@link dev.ncsn.trainer.core.TrainingJob} is one run on its worker thread; the promotion gate scores candidates;
 * run records, run requests and views, progress and metrics. Tests build these classes directly.
 */
package dev.ncsn.trainer.core;
