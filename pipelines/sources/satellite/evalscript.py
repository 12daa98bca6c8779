"""Evalscripts sent to Sentinel Hub, and the scene-classification classes they mask.

Index definitions follow docs/bundle-format.md: NDVI = (B08 - B04) / (B08 + B04),
NDRE = (B08 - B05) / (B08 + B05), NDMI = (B08 - B11) / (B08 + B11); `index(a, b)` is the evalscript
built-in (a - b) / (a + b).
Bands are reflectances (Sentinel Hub's default unit for Sentinel-2 L2A, with `harmonizeValues` on
by default, so the processing-baseline 04.00 offset is already removed: do not subtract it here).
"""

from __future__ import annotations

# Sentinel-2 L2A Scene Classification (SCL) classes treated as not clear. Class meanings from the
# Sen2Cor / Sentinel-2 L2A Product Specification table "Scene Classification Values", as listed at
# https://docs.sentinel-hub.com/api/latest/data/sentinel-2-l2a/ :
#   0 no data, 1 saturated or defective, 3 cloud shadows, 8 cloud (medium probability),
#   9 cloud (high probability), 10 thin cirrus, 11 snow or ice.
# Kept: 2 dark area / cast shadow (often dark soil after tillage), 4 vegetation, 5 not vegetated,
# 6 water, 7 unclassified (masking 7 drops many clear field pixels at the start of the season).
MASKED_SCL_CLASSES: tuple[int, ...] = (0, 1, 3, 8, 9, 10, 11)

# Percentiles the Statistical API computes for every output (k in percent).
PERCENTILES: tuple[int, ...] = (10, 50, 90)

_MASKED = ", ".join(str(c) for c in MASKED_SCL_CLASSES)

STATISTICS_EVALSCRIPT = f"""//VERSION=3
// Per-field NDVI, NDRE and NDMI over clear pixels, for the Statistical API.
// Not clear: outside the field or without data (dataMask 0), or SCL class in MASKED_SCL.
var MASKED_SCL = [{_MASKED}];

function setup() {{
  return {{
    input: [{{bands: ["B04", "B05", "B08", "B11", "SCL", "dataMask"]}}],
    output: [
      {{id: "ndvi", bands: 1, sampleType: "FLOAT32"}},
      {{id: "ndre", bands: 1, sampleType: "FLOAT32"}},
      {{id: "ndmi", bands: 1, sampleType: "FLOAT32"}},
      {{id: "dataMask", bands: 1}}
    ]
  }};
}}

function evaluatePixel(s) {{
  var ndvi = index(s.B08, s.B04);
  var ndre = index(s.B08, s.B05);
  var ndmi = index(s.B08, s.B11);
  var clear = s.dataMask === 1 && MASKED_SCL.indexOf(s.SCL) === -1 &&
    isFinite(ndvi) && isFinite(ndre) && isFinite(ndmi);
  return {{ndvi: [ndvi], ndre: [ndre], ndmi: [ndmi], dataMask: [clear ? 1 : 0]}};
}}
"""

NDVI_IMAGE_EVALSCRIPT = f"""//VERSION=3
// NDVI of one field for the Process API: one FLOAT32 band, NaN where not clear.
var MASKED_SCL = [{_MASKED}];

function setup() {{
  return {{
    input: [{{bands: ["B04", "B08", "SCL", "dataMask"]}}],
    output: {{id: "default", bands: 1, sampleType: "FLOAT32"}}
  }};
}}

function evaluatePixel(s) {{
  var clear = s.dataMask === 1 && MASKED_SCL.indexOf(s.SCL) === -1;
  return [clear ? index(s.B08, s.B04) : NaN];
}}
"""
