"""TLS, mutual TLS, certificate reload and bearer tokens, over real gRPC with certificates made
in the test (the ``cryptography`` package)."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import logging
import os
import time

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from clients.client import QuoteClient
from conftest import TEXT

NOW = dt.datetime.now(dt.timezone.utc)


class Authority:
    """A CA that signs server and client certificates into a folder."""

    def __init__(self, folder, name: str) -> None:
        self.folder, self.name = folder, name
        self.key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(NOW - dt.timedelta(days=1))
                     .not_valid_after(NOW + dt.timedelta(days=30))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.ca_file = self._write(f"{name}-ca.pem", self.cert.public_bytes(serialization.Encoding.PEM))

    def _write(self, file: str, data: bytes) -> str:
        path = self.folder / file
        path.write_bytes(data)
        return str(path)

    def issue(self, file: str, *, server: bool, expired: bool = False) -> tuple[str, str]:
        key = ec.generate_private_key(ec.SECP256R1())
        start, end = ((NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=1)) if expired
                      else (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=30)))
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, file)]))
                   .issuer_name(self.cert.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.ExtendedKeyUsage(
                       [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]),
                       critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        return (self._write(f"{file}.pem", cert.public_bytes(serialization.Encoding.PEM)),
                self._write(f"{file}.key", key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption())))


def _fails(make_call) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        make_call()
    return caught.value.code()


def test_tls_server_answers_clients_that_trust_its_ca(make_server, tmp_path):
    ca, other = Authority(tmp_path, "ca"), Authority(tmp_path, "other")
    cert, key = ca.issue("server", server=True)
    srv = make_server(tls_cert=cert, tls_key=key)
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, ca=ca.ca_file, timeout=30) as client:
        assert client.extract(TEXT).quotes and client.health() == "SERVING"
    with QuoteClient(target, ca=other.ca_file, timeout=5) as client:
        assert _fails(lambda: client.extract(TEXT)) == grpc.StatusCode.UNAVAILABLE
    with QuoteClient(target, timeout=5) as client:  # plaintext against a TLS port
        assert _fails(lambda: client.extract(TEXT)) == grpc.StatusCode.UNAVAILABLE


def test_mutual_tls_refuses_clients_without_a_valid_certificate(make_server, tmp_path):
    ca, other = Authority(tmp_path, "ca"), Authority(tmp_path, "other")
    cert, key = ca.issue("server", server=True)
    srv = make_server(tls_cert=cert, tls_key=key, tls_client_ca=ca.ca_file)
    target = f"127.0.0.1:{srv.port}"
    good_cert, good_key = ca.issue("client", server=False)
    with QuoteClient(target, ca=ca.ca_file, cert=good_cert, key=good_key, timeout=30) as client:
        assert client.extract(TEXT).quotes
    stranger_cert, stranger_key = other.issue("stranger", server=False)
    expired_cert, expired_key = ca.issue("expired", server=False, expired=True)
    for extra in ({}, {"cert": stranger_cert, "key": stranger_key},
                  {"cert": expired_cert, "key": expired_key}):
        with QuoteClient(target, ca=ca.ca_file, timeout=5, **extra) as client:
            assert _fails(lambda: client.extract(TEXT)) == grpc.StatusCode.UNAVAILABLE, extra


def test_certificate_files_are_reloaded_without_a_restart(make_server, tmp_path):
    old_ca, new_ca = Authority(tmp_path, "old"), Authority(tmp_path, "new")
    cert, key = old_ca.issue("server", server=True)
    srv = make_server(tls_cert=cert, tls_key=key)
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, ca=old_ca.ca_file, timeout=30) as client:
        assert client.health() == "SERVING"
    # cert-manager writes the renewed pair over the old files
    new_cert, new_key = new_ca.issue("renewed", server=True)
    for source, target_file in ((new_cert, cert), (new_key, key)):
        with open(source, "rb") as f:
            data = f.read()
        with open(target_file, "wb") as f:
            f.write(data)
        later = time.time() + 5
        os.utime(target_file, (later, later))
    with QuoteClient(target, ca=new_ca.ca_file, timeout=30) as client:  # a new connection
        assert client.extract(TEXT).quotes
    with QuoteClient(target, ca=old_ca.ca_file, timeout=5) as client:
        assert _fails(lambda: client.health()) == grpc.StatusCode.UNAVAILABLE


def _tokens_file(path, lines: list[str]) -> str:
    path.write_text("# name sha256 [methods]\n" + "\n".join(lines) + "\n")
    return str(path)


def _entry(name: str, token: str, methods: str = "") -> str:
    return f"{name} {hashlib.sha256(token.encode()).hexdigest()} {methods}".strip()


def _reason(error: grpc.RpcError) -> str:
    for detail in rpc_status.from_call(error).details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""


def test_bearer_tokens_name_the_client_and_guard_every_method_but_health(make_server, tmp_path,
                                                                         caplog):
    caplog.set_level(logging.INFO)
    tokens = _tokens_file(tmp_path / "tokens", [
        _entry("newsroom", "s3cret-newsroom"),
        _entry("monitor", "s3cret-monitor", "ExtractQuotes")])
    srv = make_server(auth_tokens_file=tokens)
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, timeout=30) as anonymous:
        assert anonymous.health() == "SERVING"  # probes need no token
        with pytest.raises(grpc.RpcError) as missing:
            anonymous.extract(TEXT)
    assert missing.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _reason(missing.value) == "UNAUTHENTICATED"
    with QuoteClient(target, timeout=30, token="guess") as wrong:
        assert _fails(lambda: wrong.extract(TEXT)) == grpc.StatusCode.UNAUTHENTICATED
    with QuoteClient(target, timeout=30, token="s3cret-newsroom") as newsroom:
        assert newsroom.extract(TEXT).quotes and newsroom.extract_batch([TEXT])
    with QuoteClient(target, timeout=30, token="s3cret-monitor") as monitor:
        assert monitor.extract(TEXT).quotes
        with pytest.raises(grpc.RpcError) as denied:
            monitor.extract_batch([TEXT])
    assert denied.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert _reason(denied.value) == "PERMISSION_DENIED"
    access = [r for r in caplog.records if r.name == "quotes.access"]
    assert {getattr(r, "client", "") for r in access} >= {"newsroom", "monitor"}
    assert not any("s3cret" in r.getMessage() for r in caplog.records)  # never logged


def test_tokens_file_is_reloaded_when_it_changes(make_server, tmp_path):
    path = tmp_path / "tokens"
    srv = make_server(auth_tokens_file=_tokens_file(path, [_entry("a", "token-a")]))
    target = f"127.0.0.1:{srv.port}"
    with QuoteClient(target, timeout=30, token="token-b") as client:
        assert _fails(lambda: client.extract(TEXT)) == grpc.StatusCode.UNAUTHENTICATED
        _tokens_file(path, [_entry("a", "token-a"), _entry("b", "token-b")])
        later = time.time() + 5
        os.utime(path, (later, later))
        assert client.extract(TEXT).quotes  # the Secret was updated: no restart needed


def test_a_loud_warning_when_serving_beyond_loopback_without_tls_or_tokens(caplog, tmp_path):
    from service import security
    from service.settings import Settings

    security.warn_if_open(Settings(host="0.0.0.0"))
    assert "WITHOUT TLS AND TOKEN AUTHENTICATION" in caplog.text
    caplog.clear()
    security.warn_if_open(Settings(host="127.0.0.1"))
    security.warn_if_open(Settings(host="0.0.0.0", tls_cert="c", tls_key="k",
                                   auth_tokens_file="t"))
    assert "WITHOUT" not in caplog.text
