"""Stand-in for the Smart City (智慧开封) governance event platform (Open311 GeoReport v2)."""
