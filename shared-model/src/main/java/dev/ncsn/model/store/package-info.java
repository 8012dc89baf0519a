/**
 * Model versions in an S3-compatible bucket: {@link dev.ncsn.model.store.ModelStore} (versions, written parameters
 * first and manifest last, and the live pointer {@link dev.ncsn.model.store.LivePointer}), plain object access
 * ({@link dev.ncsn.model.store.Bucket}) and the one place a MinIO client is built ({@link dev.ncsn.model.store.S3Endpoint}).
 */
package dev.ncsn.model.store;
