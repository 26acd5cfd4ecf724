"""Dispatch: routing rules, the assignment engine, auto-dispatch and the batch planner."""
