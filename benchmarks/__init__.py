"""SlumberNet's benchmarks: whole-process speed and accuracy measurements (not run by the test suite)."""
