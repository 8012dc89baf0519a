/**
 * HTTP: the REST resources ({@code /v1/runs}, {@code /v1/models}), the mapping of exceptions to RFC 9457 problem
 * details, and the readiness check. Resources only translate between HTTP and {@link dev.ncsn.trainer.core.TrainerNode}.
 */
package dev.ncsn.trainer.api;
