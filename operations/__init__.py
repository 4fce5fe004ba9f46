"""Jobs run against a deployment by the command line and the API's admin routes.

bootstrap (topics, index), replay, reindex, Kibana import.
"""
