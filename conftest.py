"""The whole suite shares one local stack (see ztc_tools.testing.fixtures)."""

pytest_plugins = ["ztc_tools.testing.fixtures"]
