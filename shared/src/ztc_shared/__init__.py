"""科技成果直通车 platform kernel.

Every service imports this package for the published language between services (event envelope and
contracts), the write side (event store, command handling), getting events out (outbox relay), the read
side (projection runner), and the web, auth, logging and settings helpers.
"""
