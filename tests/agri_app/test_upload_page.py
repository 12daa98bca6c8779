"""The upload page through AppTest: a good file, a bad file and the same file twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from streamlit.testing.v1 import AppTest

GOOD = (
    b"device_id,port,depth_cm,variable,ts,value,unit\n"
    b"dev-1,1,10,vwc_m3_m3,2024-06-01T00:00:00Z,0.281,m3/m3\n"
    b"dev-1,1,10,vwc_m3_m3,2024-06-01T01:00:00Z,0.279,m3/m3\n"
    b"dev-1,2,30,vwc_m3_m3,2024-06-01T00:00:00Z,0.301,m3/m3\n"
    b"dev-1,1,10,vwc_m3_m3,2024-06-01T02:00:00Z,not-a-number,m3/m3\n"
)
BAD = b"this is not a sensor log\nat all\n"


def _upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="sensor_file").upload(name, content, "text/csv")
    at.run()
    assert not at.exception, at.exception
    return at


def _import(at: AppTest) -> dict[str, str]:
    at.button(key="import_button").click()
    at.run()
    assert not at.exception, at.exception
    return {m.label: m.value for m in at.metric}


def test_good_file_preview_import_and_rejected_rows(signed_in: Callable[..., AppTest]) -> None:
    at = _upload(signed_in("member-a", "views/upload.py"), "dev-1.csv", GOOD)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Detected format"] == "long"
    assert any("vwc_m3_m3 (m³/m³)" in m.value for m in at.markdown)
    assert len(at.dataframe[0].value) >= 3
    counts = _import(at)
    assert counts["Accepted"] == "3 readings"
    assert counts["Rejected"] == "1 row"
    assert "3 accepted" in at.success[0].value
    assert at.get("download_button")  # rejected rows with reasons
    uploads = at.dataframe[-1].value
    assert list(uploads["File"]) == ["dev-1.csv"]


def test_same_file_twice_is_all_duplicate(signed_in: Callable[..., AppTest]) -> None:
    at = _upload(signed_in("admin", "views/upload.py"), "dev-1.csv", GOOD)
    assert _import(at)["Accepted"] == "3 readings"
    counts = _import(at)
    assert counts["Accepted"] == "0 readings"
    assert counts["Duplicate"] == "3 readings"


def test_bad_file_is_rejected_with_a_reason(signed_in: Callable[..., AppTest]) -> None:
    at = _upload(signed_in("admin", "views/upload.py"), "junk.csv", BAD)
    assert {m.label: m.value for m in at.metric}["Detected format"] == "unreadable"
    assert at.warning
    _import(at)
    assert "rejected" in at.error[0].value


def test_member_cannot_import_another_farms_device(signed_in: Callable[..., AppTest]) -> None:
    # dev-1 is installed on A2 (farm A): member-b's upload is not written to farm A's field.
    at = _upload(signed_in("member-b", "views/upload.py"), "dev-1.csv", GOOD)
    counts = _import(at)
    assert counts["Accepted"] == "0 readings"
    at_a = signed_in("member-a", "views/upload.py")
    assert any("No sensor log uploaded yet" in i.value for i in at_a.info)


# ---- registering a device (admin, agronomist)

Z6_77 = (
    b"device_id,port,depth_cm,variable,ts,value,unit\n"
    b"z6-77,1,20,vwc_m3_m3,2025-05-02T00:00:00Z,0.281,m3/m3\n"
    b"z6-77,1,20,vwc_m3_m3,2025-05-02T01:00:00Z,0.279,m3/m3\n"
)


def _register(at: AppTest, **values: object) -> AppTest:
    form = {
        "device_id": "z6-77",
        "device_port": 1,
        "device_field": "A1",
        "device_depth": 20.0,
        "device_installed": date(2025, 5, 1),
        **values,
    }
    for key, value in form.items():
        widget = at.selectbox(key=key) if key == "device_field" else None
        if widget is not None:
            widget.select(value)
        elif key in ("device_port", "device_depth"):
            at.number_input(key=key).set_value(value)
        elif key == "device_installed":
            at.date_input(key=key).set_value(value)
        else:
            at.text_input(key=key).input(str(value))
    at.button(key="register_device_button").click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_agronomist_registers_a_device_then_its_log_is_accepted(
    signed_in: Callable[..., AppTest],
) -> None:
    at = signed_in("agro", "views/upload.py")
    assert at.text_input(key="device_clock").value == "Europe/Amsterdam"  # the cooperative's
    _register(at, device_model="TEROS 12")
    assert not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [
        "Registered device 'z6-77' port 1 on field 'A1' at 20 cm, clock Europe/Amsterdam, "
        "from 2025-05-01 (in the soil)."
    ]
    (devices,) = at.dataframe  # no upload yet: the registry is the only table
    table = devices.value
    assert ("z6-77", 1, "A1", "TEROS 12") in set(
        zip(table["Device"], table["Port"], table["Field"], table["Model"], strict=True)
    )
    counts = _import(_upload(at, "z6-77.csv", Z6_77))
    assert counts["Accepted"] == "2 readings"


def test_a_refused_registration_shows_each_problem_once(
    signed_in: Callable[..., AppTest],
) -> None:
    at = _register(signed_in("admin", "views/upload.py"), device_depth=0.3)
    (error,) = at.error
    assert error.value.startswith("The device was not registered:")
    assert error.value.count("looks like metres") == 1
    assert "**Depth**: depth 0.3 cm looks like metres" in error.value
    # dev-1 port 1 is on A2 from 2024-05-01 to 2024-09-30.
    at = _register(at, device_id="dev-1", device_installed=date(2024, 6, 1))
    (error,) = at.error
    assert "port 1 of device 'dev-1' is already registered on field 'A2'" in error.value
    assert not at.success


def test_member_is_not_offered_the_registration(signed_in: Callable[..., AppTest]) -> None:
    at = signed_in("member-a", "views/upload.py")
    assert "register_device_button" not in {b.key for b in at.button}
    assert "device_id" not in {t.key for t in at.text_input}
    assert any("An admin or agronomist" in c.value for c in at.caption)
    # A log of an unregistered device: the member is told whom to ask, once.
    _import(_upload(at, "z6-77.csv", Z6_77))
    (error,) = at.error
    assert error.value.count("is not in the device registry") == 1
    assert "Ask an admin or agronomist of your cooperative to register the device." in error.value


def test_admin_is_pointed_to_the_registration_when_a_device_is_unknown(
    signed_in: Callable[..., AppTest],
) -> None:
    at = signed_in("admin", "views/upload.py")
    _import(_upload(at, "z6-77.csv", Z6_77))
    (error,) = at.error
    assert "Register the device under **Register a device** below" in error.value
    # Registering it reads the refused readings again from the archived upload, and the
    # superseded report of the import is gone.
    _register(at)
    assert not at.error, [e.value for e in at.error]
    assert not any(m.label == "Accepted" for m in at.metric)
    captions = [c.value for c in at.caption]
    assert any("refused earlier because it was not registered" in c for c in captions)
    assert any(
        "reprocess of device 'z6-77' by admin: 1 upload(s) read again; readings 0 -> 2" in c
        for c in captions
    ), captions
