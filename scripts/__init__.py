"""Scripts that drive DeepVis Studio from outside: a served app and a real browser."""
