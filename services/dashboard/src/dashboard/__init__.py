"""科技成果直通车 dashboard: Torch Center's operations dashboard and the public portal."""
