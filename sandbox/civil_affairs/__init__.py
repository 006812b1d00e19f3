"""Stand-in for the civil-affairs (民政) system: a relational database on any SQLAlchemy URL."""
