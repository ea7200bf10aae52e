"""An SMTP server that keeps what it is sent: just enough SMTP for the service's mailer
(EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT), on loopback, in a thread."""

import socketserver
import threading


class Sink:
    """Starts listening at once; `messages` holds (recipients, data) of every message taken."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        sink = self

        class Session(socketserver.StreamRequestHandler):
            timeout = 30

            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 sink ESMTP")
                recipients = []
                while line := self.rfile.readline():
                    command = line.decode(errors="replace").strip()
                    verb = command[:4].upper()
                    if verb == "EHLO":
                        self.reply("250-sink")
                        self.reply("250 8BITMIME")
                    elif verb in ("HELO", "NOOP", "MAIL"):
                        self.reply("250 OK")
                    elif verb == "RSET":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End with <CRLF>.<CRLF>")
                        data = []
                        while (part := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                            data.append(part)
                        with sink.lock:
                            sink.messages.append((recipients, b"".join(data).decode(errors="replace")))
                        recipients = []
                        self.reply("250 OK: queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Session)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def recipients(self):
        """Every recipient of every message taken so far, once per message."""
        with self.lock:
            return [recipient for recipients, _ in self.messages for recipient in recipients]

    def close(self):
        self.server.shutdown()
        self.server.server_close()
