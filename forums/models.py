"""Forum sessions, attendance, trainings and public events (filled by the forums issue)."""
