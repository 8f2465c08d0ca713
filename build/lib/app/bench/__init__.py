"""Benchmarks behind ``rtcc bench``; each prints its figures as JSON."""
