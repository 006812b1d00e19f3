"""Civil affairs (民政) in Dagster: raw assets per table, the resource."""
