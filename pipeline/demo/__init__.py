"""The demo fieldwork generator: sample, contacts, interviews, defects and exports."""
