/**
 * API keys and roles, the same in every service: {@code ApiKeys} reads the keys file named by
 * {@code NCSN_API_KEYS_FILE}, {@code Access} decides 401/403 for a presented key and a needed {@code Role}.
 * Each service maps its paths to roles and answers with the problem it gets.
 */
package dev.ncsn.common.auth;
