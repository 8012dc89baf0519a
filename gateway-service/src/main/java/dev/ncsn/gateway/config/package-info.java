/**
 * Configuration: {@code GatewayConfig}, the typed {@code ncsn.gateway.*} mapping, and {@code GatewaySettings},
 * the plain value a node is built from. The S3 settings are services-common's {@code S3Config}.
 */
package dev.ncsn.gateway.config;
