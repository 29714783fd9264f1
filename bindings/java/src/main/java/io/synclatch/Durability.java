package io.synclatch;

/** How local commits are made durable. */
public enum Durability {
    /** Every commit survives power loss (the default). */
    FULL,
    /** Commits survive a crash of the app, not of the OS: faster for apps that write a lot. */
    NORMAL
}
