"""Options shared by every `agri` command."""

from pathlib import Path
from typing import Annotated

import typer

WorkspaceOption = Annotated[
    Path | None,
    typer.Option(
        "--workspace",
        help="Workspace folder (default: $AGRI_WORKSPACE, else ./agri-workspace).",
        show_default=False,
    ),
]

CooperativeOption = Annotated[
    str | None,
    typer.Option(
        "--cooperative",
        help="Cooperative id (needed only when the workspace holds several).",
        show_default=False,
    ),
]
