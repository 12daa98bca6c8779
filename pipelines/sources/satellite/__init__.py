"""Sentinel-2 field time series: sources (Sentinel Hub, local bundle), cleaning, imagery, fetch.

Modules are imported where they are used (`pipelines.sources.satellite.sources`, `.cleaning`, ...)
so that
the command line does not load xarray or the HTTP client before it needs them.
"""
