package dev.ncsn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The project's command-line tool; `./ncsn` at the repository root runs it. Results on stdout, progress on stderr. */
@Command(name = "ncsn", mixinStandardHelpOptions = true, version = "ncsn 0.1.0",
        description = "Trains and serves noise-conditional score networks (Song & Ermon, 2019).",
        subcommands = {UpCommand.class, ChaosCommand.class, ToyCommand.class, ModelInfoCommand.class, BenchCommand.class, TrainCommand.class,
                SampleCommand.class, ScheduleCommand.class, SeedCommand.class, EvaluateCommand.class,
                TrainClassifierCommand.class, CalibrateQualityCommand.class, SamplersCommand.class, CommandLine.HelpCommand.class})
public final class Ncsn implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Ncsn())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    // A user error (bad option value, unreadable checkpoint) gets one clear line, not a stack trace.
                    cmd.getErr().println("ncsn " + cmd.getCommandName() + ": " + e.getMessage());
                    return e instanceof IllegalArgumentException ? 2 : 1;
                });
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
