"""Faktura: self-hosted invoicing and accounts receivable."""

__version__ = "0.1.0"
