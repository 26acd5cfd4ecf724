"""Open311 GeoReport v2: the street's service desk as the open standard describes it."""
