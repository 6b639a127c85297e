"""The language server's tests: pytest-lsp starts `$ECSC lsp` for each test."""
import os
import pathlib
import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ECSC = os.environ.get("ECSC", "build/ecsc")
ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[ECSC, "lsp"]))
async def client(lsp_client: LanguageClient, tmp_path):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")],
        )
    )
    yield
    await lsp_client.shutdown_session()
