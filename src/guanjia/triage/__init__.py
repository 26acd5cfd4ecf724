"""Free-text intake triage: read a resident's message and suggest what, where and who."""
