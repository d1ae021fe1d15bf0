"""Notify: 工作通知与消息送达 — work notices and deliveries.

Only its settings exist so far; its domain, API and worker come with its own issue.
"""
