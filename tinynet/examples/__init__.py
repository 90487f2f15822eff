"""The two example programs: the two-team point classifier and the digits recognizer."""
