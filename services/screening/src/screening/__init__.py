"""Screening: the library as screening sees it, longlists (~100) and shortlists (10–20)."""
