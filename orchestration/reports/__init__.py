"""The monthly scorecard of the service-guarantee centre (monthly partitions)."""
