"""One HTTPS exchange for HttpTlsTest, with Python's ssl module: reads the raw request from stdin,
sends it over TLS (ALPN http/1.1, certificate not checked: the server's is self-signed), reads
until the server closes, and prints the TLS version, the ALPN protocol and the raw response."""
import socket
import ssl
import sys

port = int(sys.argv[1])
request = sys.stdin.buffer.read()
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
context.set_alpn_protocols(["http/1.1"])
with socket.create_connection(("127.0.0.1", port), timeout=20) as raw:
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(request)
        response = b""
        while True:
            chunk = tls.recv(65536)  # b"" after the server's close_notify; an SSLError if it was cut
            if not chunk:
                break
            response += chunk
        sys.stdout.write(tls.version() + " " + str(tls.selected_alpn_protocol()) + "\n")
        sys.stdout.flush()
        sys.stdout.buffer.write(response)
