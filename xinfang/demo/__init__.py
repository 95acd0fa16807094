"""Demo data for 信访通: the fictitious county 清河县, its staff and a year of petition items (``xinfang demo``)."""
