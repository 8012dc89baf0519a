/**
 * Seeded generators for the fuzz suites ({@link dev.ncsn.infra.fuzz.Gen}): the gateway's generated HTTP requests and
 * the sampler's generated poison records draw from them, each run replayable from its seed.
 */
package dev.ncsn.infra.fuzz;
