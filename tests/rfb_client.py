"""A minimal VNC (RFB 3.8) client for tests: connect without a password, send pointer and key events, and wait
for a framebuffer update (RFC 6143). Just enough to act as a viewer that tries to take control."""

from __future__ import annotations

import socket
import struct


class RfbClient:
    """One RFB connection: the handshake on creation, then pointer/key events and update round trips."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        version = self._read(12)
        if not version.startswith(b"RFB "):
            raise ConnectionError(f"not an RFB server: {version!r}")
        self.sock.sendall(b"RFB 003.008\n")
        (count,) = self._read(1)
        types = self._read(count)
        if 1 not in types:  # 1 = no authentication
            raise ConnectionError(f"the server offers no password-less security type: {list(types)}")
        self.sock.sendall(bytes([1]))
        (result,) = struct.unpack(">I", self._read(4))
        if result != 0:
            raise ConnectionError(f"security handshake failed ({result})")
        self.sock.sendall(bytes([1]))  # ClientInit: share the desktop with other viewers
        self.width, self.height = struct.unpack(">HH", self._read(4))
        self.bits_per_pixel = self._read(16)[0]
        (name_len,) = struct.unpack(">I", self._read(4))
        self.name = self._read(name_len).decode(errors="replace")

    def pointer(self, x: int, y: int, buttons: int = 0) -> None:
        """A PointerEvent: the pointer at (x, y) with `buttons` (bit 0 = left) held."""
        self.sock.sendall(struct.pack(">BBHH", 5, buttons, x, y))

    def key(self, keysym: int, down: bool) -> None:
        """A KeyEvent for an X keysym."""
        self.sock.sendall(struct.pack(">BBxxI", 4, int(down), keysym))

    def round_trip(self) -> None:
        """Request a 1x1 update and read messages until it arrives: the server handled every earlier message."""
        self.sock.sendall(struct.pack(">BBHHHH", 3, 0, 0, 0, 1, 1))
        while True:
            (kind,) = self._read(1)
            if kind == 0:  # FramebufferUpdate
                (rects,) = struct.unpack(">xH", self._read(3))
                for _ in range(rects):
                    _, _, w, h, encoding = struct.unpack(">HHHHi", self._read(12))
                    if encoding != 0:
                        raise ConnectionError(f"unexpected encoding {encoding} (only raw was offered)")
                    self._read(w * h * self.bits_per_pixel // 8)
                return
            if kind == 2:  # Bell
                continue
            if kind == 3:  # ServerCutText
                (length,) = struct.unpack(">xxxI", self._read(7))
                self._read(length)
                continue
            raise ConnectionError(f"unexpected server message type {kind}")

    def close(self) -> None:
        """Close the connection."""
        self.sock.close()

    def __enter__(self) -> "RfbClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the server closed the connection")
            data += chunk
        return data
