"""The reports API: the figures an executive summary prints, and report requests."""
