"""Canonical sensor variables: their units, the conversions we accept, and their ranges.

Every reading is stored in one canonical unit per variable (ARCHITECTURE.md, "Sensor reading").
A vendor's unit is converted at the boundary with `value_canonical = value * scale + offset`;
anything we do not know how to convert is refused with the list of units we do know.

Two ranges per variable:

- `physical`: values that cannot be true of that quantity at all (a volume fraction above 1,
  air colder than the coldest ever recorded). Such a reading is rejected into quarantine.
- `plausible`: values a working field sensor should not report. Such a reading is accepted and
  carries the `out_of_range` quality flag, so nothing is deleted on a judgement call.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Unit:
    """How to turn a value in this unit into the canonical one: `value * scale + offset`."""

    label: str
    scale: float
    offset: float = 0.0


@dataclass(frozen=True)
class QcRules:
    """Thresholds of the quality-control tests for one variable; None switches a test off."""

    # A single reading that jumps away from both neighbours by at least this much and comes back.
    spike_jump: float | None = None
    # Identical consecutive readings for at least this long mean a stuck sensor.
    flatline_hours: float | None = None
    # A step of at least this size that persists for `offset_window_hours` on both sides.
    offset_step: float | None = None
    offset_window_hours: float = 24.0
    # Flat runs at these values are physics, not a stuck sensor.
    flatline_exempt: tuple[float, float] | None = None


@dataclass(frozen=True)
class Variable:
    name: str
    canonical_unit: str
    units: tuple[Unit, ...]
    physical: tuple[float, float]
    plausible: tuple[float, float]
    qc: QcRules
    # Daily aggregates sum this variable (rain) instead of averaging it.
    summed_daily: bool = False

    def unit(self, label: str) -> Unit | None:
        key = normalise_unit(label)
        return next((u for u in self.units if normalise_unit(u.label) == key), None)

    def unit_hint(self) -> str:
        return ", ".join(u.label for u in self.units)


FRACTION = (
    Unit("m3/m3", 1.0),
    Unit("m³/m³", 1.0),
    Unit("cm3/cm3", 1.0),
    Unit("%", 0.01),
    Unit("% VWC", 0.01),
    Unit("%vol", 0.01),
    Unit("vol%", 0.01),
    Unit("pct", 0.01),
)
CELSIUS = (
    Unit("degC", 1.0),
    Unit("°C", 1.0),
    Unit("C", 1.0),
    # (°F − 32) × 5/9
    Unit("degF", 5.0 / 9.0, -32.0 * 5.0 / 9.0),
    Unit("°F", 5.0 / 9.0, -32.0 * 5.0 / 9.0),
    Unit("F", 5.0 / 9.0, -32.0 * 5.0 / 9.0),
)
CONDUCTIVITY = (
    Unit("dS/m", 1.0),
    Unit("mS/cm", 1.0),  # 1 mS/cm = 1 dS/m
    Unit("uS/cm", 0.001),
    Unit("µS/cm", 0.001),
    Unit("mS/m", 0.01),
)
PRESSURE = (
    Unit("kPa", 1.0),
    Unit("hPa", 0.1),
    Unit("mbar", 0.1),
    Unit("mb", 0.1),
    Unit("inHg", 3.386389),  # NIST SP 811: 1 inHg (32 °F) = 3.386 38 kPa
    Unit("mmHg", 0.1333224),
)

# Sources of the ranges:
# - VWC: a volume fraction lies in [0, 1]. TEROS 12 (METER manual 18224) and SMT100 measure
#   0–0.70 m³/m³; saturated water content of mineral soils is 0.36–0.46 (Carsel & Parrish 1988,
#   Water Resour. Res. 24:755, Table 2), so above 0.60 only peat is plausible, and a reading
#   below 0.01 means the probe is out of the soil or failed (residual water of sand ≈ 0.045).
# - Temperatures: WMO extremes archive, −89.2 °C (Vostok 1983) to 56.7 °C (Furnace Creek 1913);
#   bare soil surface reached 93.9 °C (Furnace Creek, 15 July 1972). Buried probes (≥ 5 cm)
#   in farmland stay within −30–60 °C.
# - Rain per reading: world record 305 mm in 42 min (Holt, Missouri, 1947); 1825 mm in a day
#   (Réunion 1966), so no single reading can exceed 2000 mm.
# - Wind: WMO record gust 113 m/s (Barrow Island 1996).
# - Pressure: WMO records at mean sea level 87.0 kPa (Typhoon Tip 1979) to 108.4 kPa
#   (Tosontsengel 2001); station pressure on Everest's summit is about 33.7 kPa.
# - Solar radiation: solar constant 1361 W/m² (Kopp & Lean 2011, GRL 38:L01706); cloud edges
#   enhance it briefly, and thermopiles read a few W/m² below zero at night.
# - EC: TEROS 12 bulk EC range 0–20 dS/m; saturation extracts above 16 dS/m are "very strongly
#   saline" (USDA Handbook 60); saturated NaCl brine is about 250 dS/m.
VARIABLES: dict[str, Variable] = {
    v.name: v
    for v in (
        Variable(
            "vwc_m3_m3",
            "m3/m3",
            FRACTION,
            physical=(0.0, 1.0),
            plausible=(0.01, 0.60),
            qc=QcRules(spike_jump=0.10, flatline_hours=24, offset_step=0.03),
        ),
        Variable(
            "soil_temp_degc",
            "degC",
            CELSIUS,
            physical=(-90.0, 100.0),
            plausible=(-30.0, 60.0),
            # Deep probes change slowly at 0.1 °C resolution: a stuck reading must last 2 days.
            # Freezing soil holds near 0 °C for days while its water freezes (the "zero
            # curtain", Outcalt, Nelson & Hinkel 1990, Water Resour. Res. 26:1509).
            qc=QcRules(spike_jump=5.0, flatline_hours=48, flatline_exempt=(-1.0, 0.5)),
        ),
        Variable(
            "ec_ds_m",  # saturation-extract EC (ECe), the agronomic standard
            "dS/m",
            CONDUCTIVITY,
            physical=(0.0, 300.0),
            plausible=(0.0, 20.0),
            qc=QcRules(spike_jump=1.0, flatline_hours=48),
        ),
        Variable(
            "ec_bulk_ds_m",
            "dS/m",
            CONDUCTIVITY,
            physical=(0.0, 300.0),
            plausible=(0.0, 20.0),
            qc=QcRules(spike_jump=1.0, flatline_hours=48),
        ),
        Variable(
            "precip_mm",
            "mm",
            (Unit("mm", 1.0), Unit("in", 25.4), Unit("inch", 25.4)),
            physical=(0.0, 2000.0),
            plausible=(0.0, 200.0),
            qc=QcRules(),  # rain is spiky and mostly zero: no spike or flat-line test
            summed_daily=True,
        ),
        Variable(
            "air_temp_degc",
            "degC",
            CELSIUS,
            physical=(-90.0, 60.0),
            plausible=(-50.0, 50.0),
            qc=QcRules(spike_jump=10.0, flatline_hours=24),
        ),
        Variable(
            "dew_point_degc",
            "degC",
            CELSIUS,
            physical=(-90.0, 40.0),
            plausible=(-50.0, 35.0),
            qc=QcRules(spike_jump=10.0, flatline_hours=24),
        ),
        Variable(
            "rh_pct",
            "%",
            (Unit("%", 1.0), Unit("pct", 1.0), Unit("%RH", 1.0), Unit("RH", 1.0)),
            # Capacitive sensors read a few percent above 100 in fog; beyond that is a fault.
            physical=(0.0, 110.0),
            plausible=(1.0, 100.0),
            qc=QcRules(),  # fog holds RH at 100 % for days: no flat-line test
        ),
        Variable(
            "wind_m_s",
            "m/s",
            (
                Unit("m/s", 1.0),
                Unit("km/h", 1 / 3.6),
                Unit("kph", 1 / 3.6),
                Unit("mph", 0.44704),  # exact by definition of the international mile
                Unit("kn", 0.514444),
                Unit("knots", 0.514444),
            ),
            physical=(0.0, 120.0),
            plausible=(0.0, 60.0),
            qc=QcRules(),  # calm nights and gusts are normal
        ),
        Variable(
            "solar_rad_w_m2",
            "W/m2",
            (Unit("W/m2", 1.0), Unit("W/m²", 1.0), Unit("W/m^2", 1.0)),
            physical=(-20.0, 2000.0),
            plausible=(0.0, 1400.0),
            qc=QcRules(),  # zero all night
        ),
        Variable(
            "pressure_kpa",  # station (absolute) pressure
            "kPa",
            PRESSURE,
            physical=(30.0, 110.0),
            plausible=(50.0, 108.5),
            qc=QcRules(spike_jump=1.0, flatline_hours=24),
        ),
        Variable(
            "msl_pressure_kpa",  # reduced to mean sea level ("barometer")
            "kPa",
            PRESSURE,
            physical=(80.0, 110.0),
            plausible=(87.0, 108.5),
            qc=QcRules(spike_jump=1.0, flatline_hours=24),
        ),
    )
}


def normalise_unit(label: str) -> str:
    """A unit label compared loosely: case, spaces, superscripts and degree signs ignored."""
    text = label.strip().lower().replace(" ", "")
    for old, new in (("³", "3"), ("²", "2"), ("^", ""), ("µ", "u"), ("μ", "u"), ("°", "deg")):
        text = text.replace(old, new)
    return text


def variable(name: str) -> Variable | None:
    return VARIABLES.get(name)


def unknown_variable_hint(name: str) -> str:
    near = difflib.get_close_matches(name, list(VARIABLES), n=1, cutoff=0.5)
    hint = f"did you mean '{near[0]}'? " if near else ""
    return f"{hint}known variables: {', '.join(VARIABLES)} (docs/sensor-formats.md)"


def to_canonical(values: npt.NDArray[np.float64], unit: Unit) -> npt.NDArray[np.float64]:
    if unit.scale == 1.0 and unit.offset == 0.0:
        return values
    return values * unit.scale + unit.offset


def from_canonical(values: npt.NDArray[np.float64], unit: Unit) -> npt.NDArray[np.float64]:
    if unit.scale == 1.0 and unit.offset == 0.0:
        return values
    return (values - unit.offset) / unit.scale


def is_fraction_unit(unit: Unit) -> bool:
    """A volume fraction unit (m3/m3) as opposed to percent."""
    return math.isclose(unit.scale, 1.0)


# Fewer readings than this say nothing about a column's unit: they are checked one by one
# against the physical range instead (whose message names the likely unit mistake).
MIN_READINGS_FOR_UNIT_CHECK = 10


def looks_like_percent(values: npt.NDArray[np.float64]) -> bool:
    """Whether a column said to be in m³/m³ in fact holds percent.

    A volume fraction cannot exceed 1; a column whose typical value is above 1.5 and whose values
    stay within 0–100 is percent, not a handful of faulty readings (those are rejected one by one).
    """
    finite = values[np.isfinite(values)]
    if finite.size < MIN_READINGS_FOR_UNIT_CHECK:
        return False
    return bool(np.median(finite) > 1.5 and finite.min() >= 0 and finite.max() <= 100)


def looks_like_fraction(values_in_percent: npt.NDArray[np.float64]) -> bool:
    """Whether a column said to be in percent VWC in fact holds m³/m³ (every value ≤ 1 %).

    Field soil holds more than 1 % water by volume (residual water of sand is about 4.5 %), so a
    whole column at or below 1 is a volume fraction with the wrong label.
    """
    finite = values_in_percent[np.isfinite(values_in_percent)]
    if finite.size < MIN_READINGS_FOR_UNIT_CHECK:
        return False
    return bool(finite.max() <= 1.0 and np.median(finite) > 0)
