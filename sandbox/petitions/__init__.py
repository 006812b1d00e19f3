"""Stand-in for the provincial petition (信访) system's daily file exports into an inbox."""
