/**
 * The replica itself, in plain classes: {@code GatewayNode} (assembled from settings, built directly by tests;
 * {@code GatewayService} is its CDI shell), what it knows of each job ({@code JobRegistry}, {@code Job}),
 * turning requests into jobs ({@code Submission}, {@code Admission}, {@code ImageInput}), queue positions, the
 * model catalog from the S3 store, and the problems it answers with.
 */
package dev.ncsn.gateway.core;
