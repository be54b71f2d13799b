"""Evaluation: gold questions, runner, scoring and benchmarks."""
