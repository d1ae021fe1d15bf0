"""Tracking: 跟踪服务与工作总结 — tracking cases and year-end summaries.

Only its settings exist so far; its domain, API and worker come with its own issue.
"""
