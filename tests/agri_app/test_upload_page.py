"""The upload page through AppTest: a good file, a bad file and the same file twice."""

from __future__ import annotations

from collections.abc import Callable

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
