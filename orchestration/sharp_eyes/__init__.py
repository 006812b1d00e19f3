"""Sharp Eyes (雪亮工程) in Dagster: raw assets, the resource."""
