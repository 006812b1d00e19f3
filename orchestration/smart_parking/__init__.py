"""Smart Parking (智慧停车) in Dagster: raw assets, the resource."""
