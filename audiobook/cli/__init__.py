"""The command line: every command, thin wiring over the library."""
