/** Settings every service reads the same way: the S3 store ({@code ncsn.s3.*}) and a process's default instance id. */
package dev.ncsn.common.config;
