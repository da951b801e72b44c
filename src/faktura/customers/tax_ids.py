"""Tax identification numbers: checked for their country where a standard check exists.

A number written with an EU VAT prefix ("DE136695976", "EL094259216") is checked as that
member state's VAT number when the address is in the EU (or the UK, for XI numbers) or has no
country. Otherwise the address country picks the check: the national VAT number in the EU,
the UK, Switzerland and Norway; the company or personal number (ח.פ. / ת.ז., one check digit
scheme) in Israel; the EIN in the United States. Other countries, and parties without a
country, keep the number as given.
"""

from collections.abc import Callable
from types import ModuleType

from stdnum.ch import vat as ch_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.il import hp as il_company_number
from stdnum.il import idnr as il_personal_number
from stdnum.no import mva as no_vat
from stdnum.us import ein as us_ein
from stdnum.util import get_cc_module

# Prefixes of EU VAT numbers: the member states, with Greece written EL (GR also seen).
EU_VAT_PREFIXES = frozenset({cc.upper() for cc in eu_vat.MEMBER_STATES} | {"EL"})
# Address countries whose parties may give a prefixed EU VAT number.
_EU_VAT_COUNTRIES = frozenset({cc.upper() for cc in eu_vat.MEMBER_STATES if cc != "xi"} | {"GB"})


def _one_of(*modules: ModuleType) -> Callable[[str], bool]:
    def check(number: str) -> bool:
        return any(module.is_valid(number) for module in modules)

    return check


def _vat_check(cc: str) -> Callable[[str], bool]:
    module = get_cc_module(cc, "vat")
    assert module is not None, cc
    return module.is_valid


def _checks() -> dict[str, Callable[[str], bool]]:
    checks: dict[str, Callable[[str], bool]] = {
        cc.upper(): _vat_check(cc) for cc in eu_vat.MEMBER_STATES if cc != "xi"
    }
    checks["GB"] = _vat_check("gb")
    checks["CH"] = ch_vat.is_valid
    checks["NO"] = no_vat.is_valid
    checks["IL"] = _one_of(il_company_number, il_personal_number)
    checks["US"] = us_ein.is_valid
    return checks


_CHECKS = _checks()

# Countries whose tax numbers are checked (ISO 3166 codes), for the documentation.
CHECKED_COUNTRIES = frozenset(_CHECKS)


class InvalidTaxId(ValueError):
    pass


def _has_eu_prefix(number: str) -> bool:
    compact = "".join(number.split()).upper()
    return len(compact) > 2 and compact[:2] in EU_VAT_PREFIXES and compact[:2].isalpha()


def check_tax_id(number: str, country: str | None) -> None:
    """Raise InvalidTaxId when the number fails the check of its country."""
    if _has_eu_prefix(number) and (country is None or country in _EU_VAT_COUNTRIES):
        try:
            eu_vat.validate(number)
        except ValidationError as exc:
            raise InvalidTaxId(f"'{number}' is not a valid EU VAT number") from exc
        return
    check = _CHECKS.get(country or "")
    if check is not None and not check(number):
        raise InvalidTaxId(f"'{number}' is not a valid tax id for {country}")


def compact_tax_id(number: str) -> str:
    """The number without spaces, dashes, dots and slashes, for search."""
    return "".join(ch for ch in number if ch not in " -./").upper()
