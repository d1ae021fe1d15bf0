"""Tracking: 跟踪服务与工作总结 — tracking cases from the stage to industrialisation, the figures
derived from every service's events, and the hosts' year-end summaries."""
