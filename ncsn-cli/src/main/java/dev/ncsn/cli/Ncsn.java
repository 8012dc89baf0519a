package dev.ncsn.cli;
public final class Ncsn { public static void main(String[] args) { System.out.println("ncsn"); } }
