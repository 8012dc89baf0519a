/**
 * Settings: {@link dev.ncsn.trainer.config.TrainerConfig} is the Quarkus mapping of {@code ncsn.trainer.*};
 * {@link dev.ncsn.trainer.config.TrainerSettings}, {@link dev.ncsn.trainer.config.GateSettings} and
 * {@link dev.ncsn.trainer.config.RunDefaults} are the plain values it becomes, so tests build nodes without Quarkus.
 * Depends on no other package of the trainer.
 */
package dev.ncsn.trainer.config;
