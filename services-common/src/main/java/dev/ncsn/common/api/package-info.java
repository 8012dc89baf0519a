/** What every service's HTTP API shares: the RFC 9457 problem detail that is the body of every error. */
package dev.ncsn.common.api;
