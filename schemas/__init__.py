"""Contracts shared by every stage: message models, topic definitions, the index mapping."""
