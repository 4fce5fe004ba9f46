"""The local stack: real Kafka and Elasticsearch from Maven Central, and the pipeline processes."""
