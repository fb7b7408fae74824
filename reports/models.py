"""Report requests and rendered PDFs (filled by the reports issue)."""
