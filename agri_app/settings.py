"""Typed settings, read once from the environment (and command-line flags that override it)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipelines.storage import Workspace

DEFAULT_WORKSPACE = Path("agri-workspace")
# The demo bundle that ships with the repository; absent from a wheel install.
SAMPLE_BUNDLE = Path(__file__).resolve().parents[1] / "sample_data" / "demo"


@dataclass(frozen=True)
class Settings:
    """Where the workspace lives and which database it uses."""

    workspace_dir: Path = DEFAULT_WORKSPACE
    database_url: str | None = None

    @classmethod
    def from_env(cls, workspace_dir: Path | None = None) -> Settings:
        env_dir = os.environ.get("AGRI_WORKSPACE")
        return cls(
            workspace_dir=workspace_dir or (Path(env_dir) if env_dir else DEFAULT_WORKSPACE),
            database_url=os.environ.get("AGRI_DATABASE_URL") or None,
        )

    @property
    def workspace(self) -> Workspace:
        return Workspace(self.workspace_dir, self.database_url)
