"""What every connector shares: settings checks, the retrying HTTP session, the raw lake."""
