"""Intake: collection calls (征集), achievements (科技成果) and the project library (项目库)."""
