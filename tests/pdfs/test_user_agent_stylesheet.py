"""The renderer's user-agent stylesheet is WeasyPrint's less the rules of pseudo-elements a
document never has (src/faktura/pdfs/render.py): were WeasyPrint to write those rules otherwise,
this shows it, rather than renders silently slowing down again."""

from weasyprint.html import UA

from faktura.pdfs.render import _UNUSED_UA_RULES


def test_only_the_six_unused_pseudo_element_rules_are_left_out() -> None:
    left_out = _UNUSED_UA_RULES.findall(UA)

    assert [rule.split(" {")[0] for rule in left_out] == [
        "::marker",
        "::footnote-call",
        "::footnote-marker",
        "::note-call",
        "::note-marker",
        "::note-callback",
    ]
