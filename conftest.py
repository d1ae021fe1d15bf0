"""The whole suite shares one local stack (see ztc_shared.testing.fixtures)."""

pytest_plugins = ["ztc_shared.testing.fixtures"]
