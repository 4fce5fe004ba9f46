"""Producers: article files -> Kafka."""
