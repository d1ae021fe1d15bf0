"""Test support that needs the tools: the session's stack fixture and the service processes."""
