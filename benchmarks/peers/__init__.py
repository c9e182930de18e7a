"""The plain boto3 scripts ``amitui ls`` is measured against (each runs as its own process)."""
