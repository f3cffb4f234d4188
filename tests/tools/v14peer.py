#!/usr/bin/env python3
"""A stand-in for a tinytaptunnel v1.4 peer, written from the wire format alone.

    v14peer.py <key file> <local port> [peer host:port]

It behaves as v1.4 does, weaknesses included, so the end-to-end tests can
check that our daemon interoperates with one: timestamps are the raw wall
clock in nanoseconds (no tag, no strict increase), the MAC is compared
plainly, any timestamp within 3 s either way is accepted, replays are not
filtered, and without a peer address the peer is whoever sent the last
authentic datagram. It opens its own tap (IFF_TAP | IFF_NO_PI), MTU 1418.
Test tool only: never a model for anything else.
"""
import base64
import fcntl
import hashlib
import hmac
import os
import select
import socket
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000
MAC_LEN, TS_LEN = 32, 8
WINDOW_NS = 3_000_000_000
MAX_DATAGRAM = 32 + 8 + 1418 + 14


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR)
    ifr = struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI)
    fcntl.ioctl(fd, TUNSETIFF, ifr)
    return fd


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    with open(sys.argv[1], "rb") as f:
        key = base64.b64decode(b"".join(f.read().split()), validate=True)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("0.0.0.0", int(sys.argv[2])))
    peer = None
    if len(sys.argv) == 4:
        host, port = sys.argv[3].rsplit(":", 1)
        peer = (host, int(port))
    tap = open_tap(os.environ.get("V14_IFNAME", "v14tap"))
    print("v14peer: up", flush=True)
    while True:
        ready, _, _ = select.select([tap, sock], [], [])
        if tap in ready:
            frame = os.read(tap, 65536)
            if peer is not None and frame:
                ts = struct.pack(">q", time.time_ns())
                mac = hmac.new(key, ts + frame, hashlib.sha256).digest()
                sock.sendto(mac + ts + frame, peer)
        if sock in ready:
            data, src = sock.recvfrom(65536)
            if len(data) < MAC_LEN + TS_LEN + 1 or len(data) > MAX_DATAGRAM:
                continue
            mac, body = data[:MAC_LEN], data[MAC_LEN:]
            if hmac.new(key, body, hashlib.sha256).digest() != mac:
                continue
            ts = struct.unpack(">q", body[:TS_LEN])[0]
            if abs(time.time_ns() - ts) > WINDOW_NS:
                continue
            if len(sys.argv) == 3:
                peer = src
            os.write(tap, body[TS_LEN:])


if __name__ == "__main__":
    main()
