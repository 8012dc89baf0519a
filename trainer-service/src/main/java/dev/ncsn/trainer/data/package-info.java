/**
 * Training data: references ({@link dev.ncsn.trainer.data.DatasetRef}: a local path, an S3 prefix or a dataset
 * version), the catalog of dataset versions in the bucket, and the source that streams objects into shared-model's
 * readers and splits off the held-out part.
 */
package dev.ncsn.trainer.data;
