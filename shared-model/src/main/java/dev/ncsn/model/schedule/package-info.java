/**
 * Noise schedules designed from the training data by NCSNv2's rules ({@link dev.ncsn.model.schedule.ScheduleDesigner}):
 * σ1 from the farthest pair of training images (Technique 1), the number of levels from the data's dimension
 * (Technique 2), and the Langevin step size ε for a chosen number of steps per level (Technique 4). The result is a
 * plain {@link dev.ncsn.model.NoiseSchedule}.
 */
package dev.ncsn.model.schedule;
