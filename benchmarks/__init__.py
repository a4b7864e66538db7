"""Data generators and timed scenarios. Not part of the test run: see README, "Importing"."""
