"""The survey's definition: the questionnaire, its expressions, rules and the project file."""
