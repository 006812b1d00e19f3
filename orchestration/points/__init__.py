"""Grid-worker points: closing a month (monthly partitions) once its data is complete."""
