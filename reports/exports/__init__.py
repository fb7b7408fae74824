"""Open-data exports: a project's records as CSV or XLSX files, each with its data dictionary.

``datasets`` declares what each file holds (its columns once, with meaning, unit and qualifier, and
the rows from the other apps' selectors); ``writers`` writes them; ``services`` and ``tasks`` make
the large ones in the background like the PDF reports.
"""
