"""A loopback Israel Tax Authority: the OAuth2 endpoints of the grant and the Invoices API's
Approval endpoint, as Faktura uses them.

Its sandbox behaviour: allocation numbers are given for the test dealer 777777715 as customer;
any other customer number is refused as an unknown dealer. A repeated Invoice_ID is answered
with the number it was given. Access tokens expire when the test says so (`expire_tokens`), and
a withdrawn grant refuses its refresh token (`revoke`).
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

CLIENT_ID, CLIENT_SECRET = "faktura-app", "s3cret-of-the-app"
TEST_DEALER = 777777715
_FIELDS = {
    "Invoice_ID": str,
    "Invoice_Type": int,
    "Vat_Number": int,
    "Invoice_Reference_Number": str,
    "Customer_VAT_Number": int,
    "Customer_Name": str,
    "Invoice_Date": str,
    "Invoice_Issuance_Date": str,
    "Accounting_Software_Number": int,
    "Amount_Before_Discount": float,
    "Discount": float,
    "Payment_Amount": float,
    "VAT_Amount": float,
    "Payment_Amount_Including_VAT": float,
    "Action": int,
    "Items": list,
}


@dataclass
class FakeIta:
    url: str = ""
    codes: set[str] = field(default_factory=set)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    approvals: list[dict[str, Any]] = field(default_factory=list)
    given: dict[str, str] = field(default_factory=dict)
    token_requests: list[str] = field(default_factory=list)
    # Seconds an approval waits before its answer, once given (a worker may die meanwhile).
    hold_seconds: float = 0
    _serial: int = 100000000
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def expire_tokens(self) -> None:
        self.access_tokens.clear()

    def revoke(self) -> None:
        self.access_tokens.clear()
        self.refresh_tokens.clear()

    def authorize(self, query: dict[str, str]) -> tuple[int, dict[str, str]]:
        """The owner signs in and grants access: back to the redirect URI with a code."""
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {}
        code = secrets.token_urlsafe(12)
        self.codes.add(code)
        target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
        return 302, {"Location": target}

    def token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        self.token_requests.append(grant)
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        if grant == "authorization_code" and form.get("code") in self.codes:
            self.codes.discard(form["code"])
        elif grant == "refresh_token" and form.get("refresh_token") in self.refresh_tokens:
            self.refresh_tokens.discard(form["refresh_token"])
        else:
            return 400, {"error": "invalid_grant"}
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return 200, {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "Bearer",
            "expires_in": 3600,
        }

    def approval(self, token: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if token not in self.access_tokens:
            return 401, {"error": "invalid_token"}
        for name, kind in _FIELDS.items():
            value = body.get(name)
            if kind is float and isinstance(value, int):
                value = float(value)
            if not isinstance(value, kind):
                return 400, {"Status": 400, "Message": f"{name} is missing or not a {kind}"}
        self.approvals.append(body)
        with_vat = Decimal(str(body["Payment_Amount"])) + Decimal(str(body["VAT_Amount"]))
        if with_vat != Decimal(str(body["Payment_Amount_Including_VAT"])):
            return 200, {"Status": 400, "Message": "The amounts do not add up"}
        if body["Customer_VAT_Number"] != TEST_DEALER:
            return 200, {"Status": 404, "Message": "The customer is not a registered dealer"}
        with self._lock:
            if body["Invoice_ID"] not in self.given:
                self._serial += 1
                self.given[body["Invoice_ID"]] = f"2026{self._serial:09d}{self._serial:09d}"
        time.sleep(self.hold_seconds)
        return 200, {
            "Status": 200,
            "Message": "Approved",
            "Confirmation_Number": self.given[body["Invoice_ID"]],
        }


def handler(fake: FakeIta) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            parsed = urlparse(self.path)
            if parsed.path == "/longtimetoken/oauth2/authorize":
                query = {k: v[0] for k, v in parse_qs(parsed.query).items()}
                status, headers = fake.authorize(query)
                self._answer(status, {}, headers)
            else:
                self._answer(404, {})

        def do_POST(self) -> None:
            parsed = urlparse(self.path)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if parsed.path == "/longtimetoken/oauth2/token":
                form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                self._answer(*fake.token(form))
            elif parsed.path == "/Invoices/v1/Approval":
                token = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                self._answer(*fake.approval(token, json.loads(raw)))
            else:
                self._answer(404, {})

    return Handler
