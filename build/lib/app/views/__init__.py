"""Qt widgets and dialogs. Views render state and forward intent; the rules live in the core."""
