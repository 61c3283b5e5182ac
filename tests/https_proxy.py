"""A small HTTPS front for the test engine, the way a secured Elasticsearch 8 looks from outside: TLS with a
certificate from a self-made CA (trustme), and an API key or a user and password demanded on every request.
Test code only; it binds 127.0.0.1."""
from __future__ import annotations

import base64
import http.client
import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import trustme

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-authorization",
              "proxy-authenticate", "authorization", "host"}


class SecuredEngine:
    """`with SecuredEngine(upstream, api_key=…, users={…}) as front:` → front.url, front.ca_file."""

    def __init__(self, upstream: str, ca_dir, *, api_key: str | None = None, users: dict | None = None):
        self.upstream = urlsplit(upstream)
        self.accepted = set()
        if api_key:
            self.accepted.add(f"ApiKey {api_key}")
        for user, password in (users or {}).items():
            self.accepted.add("Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
        self.ca = trustme.CA()
        self.ca_file = ca_dir / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self.requests = 0

    def __enter__(self) -> "SecuredEngine":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def _handler(self):
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _relay(self):
                front.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.headers.get("Authorization") not in front.accepted:
                    payload = json.dumps({"error": {"type": "security_exception", "reason":
                                                    "unable to authenticate with provided credentials"},
                                          "status": 401}).encode()
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'ApiKey, Basic realm="security"')
                    self.send_header("Content-Type", "application/json")
                    self.send_header("X-Elastic-Product", "Elasticsearch")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection(front.upstream.hostname, front.upstream.port, timeout=120)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay

        return Handler
