"""Smart City (智慧开封) in Dagster: raw assets per entity, the resource, schedules."""
