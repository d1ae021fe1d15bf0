"""Test support shared by every service: contract suites, the stack fixture, service processes."""
