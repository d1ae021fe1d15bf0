"""Test support: scenarios of notify's planning in memory, and the contract suites its fakes and
adapters share."""
