"""SmoothSchedule tenant API sandbox."""
