"""The HTTP side of the fake: one handler that turns each request into a RequestRecord for
FakeKubeAPIServer.handle and writes back its JSON answer."""

import json
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import yaml


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict
    content_type: str | None
    body: object
    headers: dict = field(repr=False)


class Server(ThreadingHTTPServer):
    """Serves `fake` (anything with `handle(RequestRecord) -> (status, payload)`) at `address`."""

    # socketserver listens with a backlog of 5: a burst of new connections overflows it and
    # the client waits a full second to resend. kube-apiserver listens with the system maximum.
    request_queue_size = 1024
    daemon_threads = True

    def __init__(self, address: tuple[str, int], fake):
        super().__init__(address, Handler)
        self.fake = fake


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client's connection pool expects
    # Headers and body go out in two writes; with Nagle's algorithm the body would wait ~40 ms
    # for the client's delayed ACK. kube-apiserver (Go's net/http) sets TCP_NODELAY too.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        raw_body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        request = RequestRecord(self.command, url.path, dict(parse_qsl(url.query)),
                                headers.get("content-type"), decode_body(raw_body), headers)
        code, payload = self.server.fake.handle(request)
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")  # exact: lightkube rejects parameters
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format, *args) -> None:
        pass  # the request log replaces stderr noise


def decode_body(raw_body: bytes):
    if not raw_body:
        return None
    try:
        return json.loads(raw_body)  # what the client sends, even under the apply-patch+yaml type
    except ValueError:
        pass
    try:
        return yaml.safe_load(raw_body)
    except yaml.YAMLError:
        return raw_body.decode(errors="replace")
