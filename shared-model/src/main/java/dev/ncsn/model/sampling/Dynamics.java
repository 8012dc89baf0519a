package dev.ncsn.model.sampling;

/** Which Langevin dynamics a chain runs. */
public enum Dynamics {
    /** Algorithm 1: T steps at each level, σ1 down to σL, with α_i = ε·σ_i²/σ_L². */
    ANNEALED,
    /** Plain Langevin dynamics at the smallest level σL with α = ε, for the same L·T steps (the paper's comparison). */
    PLAIN
}
