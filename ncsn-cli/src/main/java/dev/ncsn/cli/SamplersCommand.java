package dev.ncsn.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** `ncsn samplers`: the registered samplers and their options. */
@Command(name = "samplers", mixinStandardHelpOptions = true,
        description = "List the samplers (--sampler NAME) and their options (-O NAME=VALUE) with defaults and bounds.")
final class SamplersCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.print(SamplerChoice.describeAll());
        return 0;
    }
}
