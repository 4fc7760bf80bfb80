"""Fieldwork monitoring: dispositions, AAPOR rates, progress, interviewer checks, the report."""
