/**
 * Kafka and S3 for tests and local runs. {@link dev.ncsn.infra.LocalInfrastructure} is the handle (addresses, client
 * settings, buckets, topics) and how a pair starts: embedded in this JVM ({@link dev.ncsn.infra.EmbeddedKafka},
 * {@link dev.ncsn.infra.EmbeddedS3}) or as Testcontainers ({@code DockerInfrastructure}). Around it, one class per
 * concern: {@code ModeSwitch} (embedded, docker or auto), {@code DockerProbe} (is there a Docker engine, cheaply),
 * {@code SharedInfrastructure} (one pair per test JVM, across class loaders); JUnit and Quarkus hooks
 * ({@link dev.ncsn.infra.InfrastructureExtension}, {@link dev.ncsn.infra.InfrastructureTestResource}); and the pair as
 * its own process for {@code ./ncsn up} ({@link dev.ncsn.infra.LocalInfrastructureMain}).
 */
package dev.ncsn.infra;
