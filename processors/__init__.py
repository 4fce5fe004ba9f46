"""Stream processors: Kafka -> Kafka (normalise, dedup, entities) and Kafka -> Elasticsearch."""
