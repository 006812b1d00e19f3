"""Artemis AK/SK signing: the string to sign, and the signature against openssl."""

import base64
import subprocess

from connectors.sharp_eyes.signing import signature, signed_headers, string_to_sign

PATH = "/artemis/api/els/v1/events/search"


def test_string_to_sign_layout():
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json;charset=UTF-8",
        "X-Ca-Key": "29666671",
        "X-Ca-Nonce": "c9ebd6e1-6b0b-4b2e-a4e4-0f6d3c6d2b1a",
        "X-Ca-Timestamp": "1759278600000",
    }
    assert string_to_sign("post", PATH, headers) == (
        "POST\n"
        "application/json\n"
        "application/json;charset=UTF-8\n"
        "x-ca-key:29666671\n"
        "x-ca-nonce:c9ebd6e1-6b0b-4b2e-a4e4-0f6d3c6d2b1a\n"
        "x-ca-timestamp:1759278600000\n"
        "/artemis/api/els/v1/events/search"
    )


def test_content_md5_and_date_are_included_when_present():
    headers = {
        "Accept": "*/*",
        "Content-MD5": "abc==",
        "Date": "Wed, 01 Oct 2026 00:30:00 GMT",
        "X-Ca-Key": "k",
        "X-Ca-Nonce": "n",
        "X-Ca-Timestamp": "1",
    }
    lines = string_to_sign("POST", PATH, headers).split("\n")
    assert lines[:4] == ["POST", "*/*", "abc==", "Wed, 01 Oct 2026 00:30:00 GMT"]


def test_signature_matches_openssl_hmac_sha256():
    secret, text = "empOkKAJgAXyUbZWQ3Ln", "POST\n*/*\nx-ca-key:1\n/artemis/api/resource/v1/cameras"
    digest = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", secret, "-binary"], input=text.encode(), capture_output=True, check=True
    ).stdout
    assert signature(secret, text) == base64.b64encode(digest).decode()


def test_signed_headers_carry_what_the_gateway_needs():
    h = signed_headers("POST", PATH, "29666671", "secret", timestamp_ms=1759278600000, nonce="n-1")
    assert h["X-Ca-Signature-Headers"] == "x-ca-key,x-ca-nonce,x-ca-timestamp"
    assert h["X-Ca-Signature"] == signature("secret", string_to_sign("POST", PATH, h))
    assert signed_headers("POST", PATH, "k", "s")["X-Ca-Nonce"] != signed_headers("POST", PATH, "k", "s")["X-Ca-Nonce"]
