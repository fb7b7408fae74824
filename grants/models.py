"""Grant calls, proposals, reviews, selection, awards and monitoring (filled by the grants issue)."""
