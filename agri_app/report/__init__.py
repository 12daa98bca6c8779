"""The weekly advisory report: per farm an HTML page and a PDF, plus a cooperative summary.

`build` gathers the numbers (pure functions of tables), `charts` draws static PNGs, `render`
turns them into HTML (Jinja2) and PDF (WeasyPrint). `agri report weekly` (agri_app.cli_report)
wires them to a bundle, the model registry and the workspace.
"""
