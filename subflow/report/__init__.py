"""The report (rules/report.smk): data reads what the stages wrote, picture and pages draw it, view runs the rules."""
