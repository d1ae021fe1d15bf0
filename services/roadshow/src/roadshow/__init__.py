"""Roadshow: 路演活动（申请、名单、启动、方案、报名、辅导、路演、评议、一对一对接）.

The annual programme and every roadshow event.

Only its settings exist so far; its domain, API and worker come with its own issue.
"""
