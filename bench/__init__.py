"""The suite's speed, measured: wall time at -n 1 and -n 2, per-test overhead, timeout tests."""
