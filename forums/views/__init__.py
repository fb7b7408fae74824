"""Pages of the forums app, one module per area; each module lists its own URL patterns."""
