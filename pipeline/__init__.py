"""sid: fieldwork and data-cleaning pipeline for the survey Samenleven in diversiteit."""

__version__ = "0.1.0"
