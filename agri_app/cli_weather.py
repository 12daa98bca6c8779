"""`agri weather ...`: fetch daily weather forecasts for the workspace's stations and store them.

Registered on the main `agri` command by `app.add_typer(weather_app, name="weather")`. The
forecast client (it loads the agronomy modules), pandas and the store are imported inside the
command, so `agri --help` stays quick.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from agri_app.cli_options import WorkspaceOption
from agri_app.settings import Settings

if TYPE_CHECKING:
    import pandas as pd

weather_app = typer.Typer(
    help="Weather forecasts: fetch them from an Open-Meteo-compatible service into the workspace.",
    no_args_is_help=True,
    add_completion=False,
)


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    return typer.Exit(code)


def _station_ids(values: list[str] | None) -> list[str] | None:
    if not values:
        return None
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _today_in(timezone: str) -> date:
    """Today at the station: the service's first forecast day is the local today (timezone=auto)."""
    try:
        return datetime.now(ZoneInfo(timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        raise _fail(
            f"unknown time zone {timezone!r} in the workspace's cooperatives; re-import the "
            "bundle with an IANA zone such as Europe/Amsterdam in bundle.json"
        ) from None


def _summary(forecast: pd.DataFrame) -> list[dict[str, object]]:
    """Per station: issue day, forecast days and the rain they add up to."""
    rows = []
    for station_id, part in forecast.groupby("station_id", sort=True):
        rows.append(
            {
                "station_id": str(station_id),
                "issued_date": part["issued_date"].max().date().isoformat(),
                "days": int(len(part)),
                "first_day": part["date"].min().date().isoformat(),
                "last_day": part["date"].max().date().isoformat(),
                "precip_mm": round(float(part["precip_mm"].sum()), 1),
            }
        )
    return rows


@weather_app.command("forecast")
def forecast_command(
    stations: Annotated[
        list[str] | None,
        typer.Option(
            "--station",
            help="Station ids, comma-separated or repeated (default: every station with fields).",
            show_default=False,
        ),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            help="Forecast days to fetch, 1 to 16 (default: 14).",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON object.")
    ] = False,
    workspace: WorkspaceOption = None,
) -> None:
    """Fetch the daily forecast of each weather station and store it with its issue date.

    The service is Open-Meteo's (no key needed) or any compatible one at $AGRI_FORECAST_URL.
    Fetching again on the same day updates that day's issue; earlier issues are kept, so advice
    as of a past day uses the forecast known then.
    """
    import pandas as pd

    from pipelines.sources.forecast import (
        ENV_FORECAST_URL,
        ForecastSettings,
        ForecastUnavailableError,
        OpenMeteoClient,
    )
    from pipelines.store import storage
    from pipelines.store.forecasts import forecast_stations, store_forecast

    settings = Settings.from_env(workspace)
    try:
        forecast_settings = ForecastSettings.from_env()
        if days is not None:
            forecast_settings = replace(forecast_settings, forecast_days=days)
    except ValueError as exc:
        raise _fail(f"{exc}; pass --days 1 to 16" if days is not None else str(exc)) from None
    try:
        engine = storage.open_workspace(settings.workspace)
    except storage.WorkspaceError as exc:
        raise _fail(str(exc)) from None
    try:
        known = forecast_stations(engine)
        if known.empty:
            raise _fail(
                "the workspace has no fields, so no weather stations to forecast for; "
                "run `agri import BUNDLE` first"
            )
        wanted = _station_ids(stations)
        if wanted is not None:
            unknown = sorted(set(wanted) - set(known["station_id"]))
            if unknown:
                raise _fail(
                    f"no station {', '.join(map(repr, unknown))} serves a field in this "
                    f"workspace; stations: {', '.join(known['station_id'])}"
                )
            known = known[known["station_id"].isin(wanted)]

        base_url = forecast_settings.base_url
        client = OpenMeteoClient(forecast_settings)
        typer.echo(
            f"fetching {forecast_settings.forecast_days}-day forecasts for {len(known)} "
            f"station(s) from {base_url} ...",
            err=True,
        )
        parts = []
        for row in known.itertuples(index=False):
            station_id = str(row.station_id)
            try:
                parts.append(
                    client.daily_forecast(
                        station_id=station_id,
                        lat=float(row.lat),  # type: ignore[arg-type]
                        lon=float(row.lon),  # type: ignore[arg-type]
                        issued_date=_today_in(str(row.timezone)),
                    )
                )
            except ForecastUnavailableError as exc:
                message = str(exc)
                if ENV_FORECAST_URL not in message:
                    message += f"; check {ENV_FORECAST_URL} (now {base_url})"
                raise _fail(message, code=1) from None
            except ValueError as exc:  # the answer fails the checks every forecast gets
                reason = " ".join(str(exc).split())
                raise _fail(
                    f"the forecast service at {base_url} answered for station '{station_id}' "
                    f"with rows that fail the checks ({reason}); set {ENV_FORECAST_URL} to an "
                    "Open-Meteo-compatible service",
                    code=1,
                ) from None
        forecast = pd.concat(parts, ignore_index=True)
        counts = store_forecast(engine, forecast)
    finally:
        engine.dispose()
    if counts.added or counts.updated:
        # Advice looks ahead with the latest forecast: refresh the fields it concerns.
        from agri_app.cli_models import refresh_if_trained

        refresh_if_trained(settings, "forecast", None)

    summary = _summary(forecast)
    if json_output:
        typer.echo(
            json.dumps(
                {
                    "stations": summary,
                    "added": counts.added,
                    "updated": counts.updated,
                    "unchanged": counts.unchanged,
                },
                sort_keys=True,
            )
        )
        return
    for item in summary:
        typer.echo(
            f"{item['station_id']}  issued {item['issued_date']}  {item['days']} days "
            f"({item['first_day']} to {item['last_day']})  rain {item['precip_mm']:.1f} mm"
        )
    typer.echo(
        f"stored {counts.added} new rows, {counts.updated} updated, {counts.unchanged} unchanged"
    )
