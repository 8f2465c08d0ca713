"""The dispatch intake: a front end that takes calls from CAD systems (over HTTP, signed, or as
files dropped in a watched folder) and hands them to the application layer's use case."""
