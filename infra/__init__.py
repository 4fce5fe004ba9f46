"""Shared infrastructure of every process: settings, logging, errors, Kafka offsets, health probes, metrics."""
