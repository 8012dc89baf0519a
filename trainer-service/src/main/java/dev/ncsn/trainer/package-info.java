/**
 * The trainer service. {@link dev.ncsn.trainer.TrainerService} is the composition root: it reads the configuration,
 * builds the store clients and the plain {@link dev.ncsn.trainer.core.TrainerNode}, resumes interrupted runs at
 * start-up and stops them at shutdown. Everything else lives in a package by role:
 * {@code api} (HTTP), {@code kafka} (the model-update producer), {@code core} (runs, the job, the gate),
 * {@code data} (datasets), {@code store} (what is written to the bucket, in which order) and {@code config}.
 */
package dev.ncsn.trainer;
