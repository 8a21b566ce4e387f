"""Issue 10: the library view (status), the report pictures and pages, progress of long stages."""
