/**
 * Images in and out: sample grids as PNG ({@link dev.ncsn.model.image.ImageGrid}), user images and masks checked against
 * a model's input shape ({@link dev.ncsn.model.image.ImageDecoder}), and the training loss curve
 * ({@link dev.ncsn.model.image.LossCurvePlot}).
 */
package dev.ncsn.model.image;
