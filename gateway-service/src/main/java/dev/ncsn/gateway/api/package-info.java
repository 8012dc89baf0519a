/**
 * HTTP: the JAX-RS resources ({@code /v1/generations}, {@code /v1/inpaintings}, {@code /v1/jobs…},
 * {@code /v1/models}), strict reading of JSON and multipart bodies, the Server-Sent Events writer, the API-key
 * route, the problem+json exception mappers and the health checks. Decisions are {@code core}'s.
 */
package dev.ncsn.gateway.api;
