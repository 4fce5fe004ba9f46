"""Webhook delivery: a process of its own (``python -m newsflow.delivery``) that POSTs each alert to its webhook.

It reads the alerts topic (consumer group ``<prefix>-webhooks``), looks up each
alert's saved search, POSTs the alert with retries and back-off, logs every
attempt in the delivery log index and disables a webhook that keeps failing.
Being a separate process, a slow or dead webhook never slows the pipeline; see
docs/alerts.md ("Webhooks").
"""
