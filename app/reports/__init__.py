"""Reports for outsiders: the owner's report, the public transparency report and its check."""
