"""Sentinel-2 field time series: sources (Sentinel Hub, local bundle), imagery, fetch. Cleaning
the series (cloud filter, interpolation, smoothing) is agronomy:
`pipelines.agronomy.index_cleaning`.

Modules are imported where they are used (`pipelines.sources.satellite.sources`, `.fetch`, ...)
so that the command line does not load xarray or the HTTP client before it needs them.
"""
