/**
 * Training data: a fixed set of images as float32 in [0, 1] ({@link dev.ncsn.model.data.Dataset}), read from MNIST/
 * Fashion-MNIST IDX files, CIFAR-10 binaries or image folders ({@link dev.ncsn.model.data.Datasets} tells them apart),
 * and batches as a pure function of (seed, step) ({@link dev.ncsn.model.data.BatchSampler}), so a resumed run sees the
 * batches it would have seen.
 */
package dev.ncsn.model.data;
