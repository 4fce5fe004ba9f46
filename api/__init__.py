"""The search API and web page (Elasticsearch -> people)."""
