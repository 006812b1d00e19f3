"""Stand-in for the Smart Parking (智慧停车) platform: OAuth2 + cursor-paged REST."""
