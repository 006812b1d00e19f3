-- The outline of Kaifeng in WGS-84, widened by about 500 m (0.005 degree), as runs of
-- 0.001-degree raster cells it touches (seed kaifeng_4102_outline_cells, derived from the
-- GCJ-02 outline seed by warehouse/outline_cells.py): a point whose cell is in no run is
-- quarantined as outside_kaifeng. A join any engine can run, no spatial functions.
select
    cast(cell_y as bigint) as cell_y,
    cast(cell_x_from as bigint) as cell_x_from,
    cast(cell_x_to as bigint) as cell_x_to
from {{ ref('kaifeng_4102_outline_cells') }}
