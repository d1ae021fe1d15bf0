"""Test support shared by every service: the contract suites its fakes and adapters pass (the stack
fixture and the service processes are the tools', ztc_tools.testing)."""
