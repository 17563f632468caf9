#!/usr/bin/env python3
"""An external agent taking a seat in an entente room over the WebSocket
protocol (docs/server.md), with the Python standard library only.

    python3 examples/agent.py ws://127.0.0.1:8080/rooms/ROOM/agent TOKEN

TOKEN is the seat's invitation token (the last part of its /join/ link).
The agent is cooperative: a delegation agrees ad referendum to what the
mediators put to it and votes yes, a capital confirms, a guarantor consents,
a mediator brackets, puts the first option and calls the vote; whatever else
it is asked, it lets the moment pass. It prints each message type it gets
and exits 0 when the talks are finished (1 on a protocol error).
"""

import base64
import json
import os
import socket
import struct
import sys
from urllib.parse import urlparse


class WebSocket:
    """A minimal RFC 6455 client: text frames, masked as a client must."""

    def __init__(self, url, token):
        u = urlparse(url)
        if u.scheme != "ws":
            raise ValueError("only ws:// URLs")
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + ("?" + u.query if u.query else "")
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {u.hostname}:{u.port or 80}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("the server closed the connection during the handshake")
            head += chunk
        status = head.split(b"\r\n", 1)[0].decode()
        if " 101 " not in status:
            raise ConnectionError(f"refused: {status}")

    def _recv_exact(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("connection closed")
            data += chunk
        return data

    def send(self, text):
        payload = text.encode()
        header = bytes([0x81])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv(self):
        """The next text message, or None when the server closes."""
        message = b""
        while True:
            b0, b1 = self._recv_exact(2)
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._recv_exact(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._recv_exact(8))[0]
            mask = self._recv_exact(4) if b1 & 0x80 else None
            data = self._recv_exact(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 0x8:
                return None
            if opcode == 0x9:  # ping: answer with a pong
                self.sock.sendall(bytes([0x8A, 0x80 | len(data)]) + b"\0\0\0\0" + data)
                continue
            if opcode in (0x1, 0x0):
                message += data
                if b0 & 0x80:
                    return message.decode()


def choose(turn):
    """The cooperative answer to a `your_turn` message, or None (pass)."""
    moves = turn["moves"]
    for prompt in turn["prompts"]:
        kind = prompt["prompt"]
        if kind == "proposal":
            for m in moves:
                a = m.get("action", {})
                if a.get("action") == "agree_ad_ref" and a.get("clause") == prompt["clause"] and a.get("option") == prompt["option"]:
                    return m
        if kind == "vote":
            return {"answer": "act", "action": {"action": "vote", "yes": True}}
        if kind == "capital_call":
            return {"answer": "act", "action": {"action": "confirm", "clause": prompt["clause"]}}
        if kind == "consent_requested":
            return {"answer": "act", "action": {"action": "consent", "clause": prompt["clause"], "given": True}}
        if kind == "vote_due":
            return {"answer": "act", "action": {"action": "call_vote"}}
        if kind == "mediator_turn":
            for m in moves:
                if m.get("answer") == "put" or m.get("action", {}).get("action") in ("propose", "restart"):
                    return m
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    ws = WebSocket(sys.argv[1], sys.argv[2])
    settings = None
    errors = 0
    while True:
        text = ws.recv()
        if text is None:
            print("closed before the end")
            return 1
        msg = json.loads(text)
        kind = msg["type"]
        if kind == "settings":
            settings = msg
            print(f"settings: {msg['seat']} in {msg['name']} ({len(msg['issues'])} issues)", flush=True)
            # A public statement (a post on a channel the seat may not use would come back as an error).
            if {"channel": "public"} in msg.get("channels", []):
                statement = {"kind": "message", "to": {"channel": "public"}, "text": f"The agent of the {msg['seat']} is at the table"}
                ws.send(json.dumps({"type": "post", "post": statement}))
        elif kind == "your_turn":
            move = choose(msg)
            if move is not None:
                print(f"your_turn: {json.dumps(move)}", flush=True)
                ws.send(json.dumps({"type": "action", "answer": move, "reason": "cooperative agent"}))
            elif settings and settings.get("auto"):
                ws.send(json.dumps({"type": "pass"}))
        elif kind == "error":
            print(f"error: {msg['error']}", flush=True)
            errors += 1
            if errors > 50:
                return 1
            if settings and settings.get("auto"):
                ws.send(json.dumps({"type": "pass"}))
        elif kind == "finished":
            print(f"finished: {json.dumps(msg['ending'])}", flush=True)
            return 0


if __name__ == "__main__":
    sys.exit(main())
