"""TLS (optionally mutual) with certificates reloaded when their files change, and bearer tokens.

TLS: ``server_credentials(settings)`` gives gRPC dynamic credentials; gRPC asks for the
certificate configuration at each new handshake, and it is read again when the certificate, key
or client CA file changed (cert-manager rotates them in place), so no restart is needed. With a
client CA, clients must present a certificate it signed.

Tokens: ``service.interceptors.TokenAuthInterceptor`` checks ``authorization: Bearer <token>`` against a file of
hashed tokens, one client a line::

    # name  sha256(token) as hex                                          [allowed methods]
    newsroom-a  9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    monitor     60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752  ExtractQuotes

(``printf %s "$TOKEN" | sha256sum``). The file is read again when it changes (a Kubernetes
Secret update). A missing or unknown token is UNAUTHENTICATED; a known client calling a method
outside its list is PERMISSION_DENIED; both with a google.rpc.ErrorInfo. Health checks need no
token. Tokens are compared by hash in constant time and never logged; the client's name goes to
the access log.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import grpc

from service.settings import Settings

log = logging.getLogger(__name__)

# Calls allowed without a token (the interceptor): orchestrators and load balancers probe
# health.
OPEN_SERVICES = ("/grpc.health.v1.Health/",)


# --- TLS -------------------------------------------------------------------------------------

class _CertificateFiles:
    """The server's certificate, key and optional client CA, re-read when a file changes."""

    def __init__(self, cert: str, key: str, client_ca: str | None) -> None:
        self.paths = [Path(cert), Path(key)] + ([Path(client_ca)] if client_ca else [])
        self._stamp = self._stamps()

    def _stamps(self) -> tuple:
        return tuple((p.stat().st_mtime_ns, p.stat().st_size) for p in self.paths)

    def configuration(self) -> grpc.ServerCertificateConfiguration:
        cert, key = (p.read_bytes() for p in self.paths[:2])
        client_ca = self.paths[2].read_bytes() if len(self.paths) > 2 else None
        return grpc.ssl_server_certificate_configuration([(key, cert)], client_ca)

    def changed(self) -> grpc.ServerCertificateConfiguration | None:
        """A new configuration if a file changed since the last look, else None."""
        try:
            stamp = self._stamps()
            if stamp == self._stamp:
                return None
            configuration = self.configuration()
        except (OSError, ValueError) as exc:  # half-written files: keep serving the old ones
            log.warning("certificate files not reloaded (%s); keeping the current ones", exc)
            return None
        self._stamp = stamp
        log.info("TLS certificate files changed: reloaded for new connections")
        return configuration


def server_credentials(settings: Settings) -> grpc.ServerCredentials | None:
    """TLS credentials from the settings; None when TLS is off."""
    if not settings.tls_cert:
        return None
    files = _CertificateFiles(settings.tls_cert, settings.tls_key, settings.tls_client_ca)
    return grpc.dynamic_ssl_server_credentials(
        files.configuration(), files.changed,
        require_client_authentication=bool(settings.tls_client_ca))


# --- tokens ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Client:
    name: str
    token_sha256: bytes
    methods: frozenset[str] | None  # None: every method


def parse_tokens(text: str) -> list[Client]:
    clients = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) not in (2, 3) or len(fields[1]) != 64:
            raise ValueError(f"line {number}: expected 'name sha256hex [Method,Method]'")
        methods = frozenset(fields[2].split(",")) if len(fields) == 3 else None
        clients.append(Client(fields[0], bytes.fromhex(fields[1]), methods))
    return clients


class TokenFile:
    """The clients of a tokens file, read again when the file changes."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._clients: list[Client] = []
        self.clients()  # a broken file fails at start-up, not at the first call

    def clients(self) -> list[Client]:
        stat = self.path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            if stamp != self._stamp:
                clients = parse_tokens(self.path.read_text(encoding="utf-8"))
                if self._stamp is not None:
                    log.info("tokens file changed: %d clients", len(clients))
                self._clients, self._stamp = clients, stamp
            return self._clients

    def client_for(self, token: str) -> Client | None:
        digest = hashlib.sha256(token.encode("utf-8")).digest()
        found = None
        for client in self.clients():  # every entry compared, in constant time
            if hmac.compare_digest(digest, client.token_sha256):
                found = client
        return found


def warn_if_open(settings: Settings) -> None:
    """Loudly, when the port is reachable beyond this machine with no TLS or no tokens."""
    host = settings.host.strip("[]")
    if host in ("127.0.0.1", "::1", "localhost"):
        return
    missing = [what for what, on in (("TLS", settings.tls_cert), ("token authentication",
                                                                   settings.auth_tokens_file))
               if not on]
    if missing:
        log.warning("SERVING ON %s WITHOUT %s: anyone who can reach port %s can use this "
                    "server (set --tls-cert/--tls-key and --auth-tokens-file, or bind "
                    "127.0.0.1)", settings.host, " AND ".join(missing).upper(), settings.port)

