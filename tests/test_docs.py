"""The README's configuration table lists every setting."""

from pathlib import Path

from faktura.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [
        f"FAKTURA_{name.upper()}"
        for name in Settings.model_fields
        if f"`FAKTURA_{name.upper()}`" not in readme
    ]
    assert missing == []
