"""Printed documents: the PDF of every invoice, quote, credit note and receipt, its archive
and its branding (docs/pdf.md)."""
