#!/usr/bin/env python3
"""Bursts of small numbered UDP datagrams, each checked byte for byte on arrival.

    udpburst.py send <host> <port> <count> <size> <burst> [gso]
    udpburst.py recv <port> <count> <size> <idle seconds>

send: <count> datagrams of <size> bytes (at least 8), <burst> of them back
to back, then a pause of PAUSE_S, so that a tunnel receives several in one
batch (what it coalesces) without overflowing a queue on its way (a tap
holds 500 frames) while a loaded machine leaves a process unscheduled for
milliseconds; prints
"sent <n>". Datagram n holds n (4 bytes, big-endian), then bytes that
depend on n and their position. With gso, each burst goes in one send
with UDP_SEGMENT <size> (at most 64 datagrams): the kernel cuts it, or
hands it whole to a device that takes UDP super-frames (a tap with USO).

recv: until <count> distinct datagrams have arrived, or nothing for <idle
seconds>, then prints

    received <n> bytes <b> bad <c> duplicates <d> reordered <r>

where bad counts datagrams of the wrong length or content (a merge that
mixed up two datagrams' payloads), and reordered those that came after a
higher number. Test tool only.
"""
import socket
import struct
import sys
import time

RCVBUF = 32 << 20  # every datagram of a test fits: no loss in this socket
UDP_SEGMENT = 103  # <linux/udp.h>
PAUSE_S = 0.004


def payload(n, size):
    return struct.pack("!I", n) + bytes((n * 7 + i) & 0xFF for i in range(4, size))


def send(host, port, count, size, burst, gso):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if gso:
        s.setsockopt(socket.SOL_UDP, UDP_SEGMENT, size)
    sent = 0
    for first in range(0, count, burst):
        ns = range(first, min(first + burst, count))
        try:
            if gso:
                s.sendto(b"".join(payload(n, size) for n in ns), (host, port))
                sent += len(ns)
            else:
                for n in ns:
                    s.sendto(payload(n, size), (host, port))
                    sent += 1
        except OSError:
            pass  # a full queue: those datagrams are lost, and counted so
        time.sleep(PAUSE_S)
    print("sent", sent)


def recv(port, count, size, idle):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, RCVBUF)  # SO_RCVBUFFORCE (root)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
    s.bind(("0.0.0.0", port))
    print("listening", flush=True)
    seen, nbytes, bad, dups, reord, top = set(), 0, 0, 0, 0, -1
    s.settimeout(idle)
    while len(seen) < count:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        n = struct.unpack("!I", data[:4])[0] if len(data) >= 4 else -1
        if len(data) != size or data != payload(n, size):
            bad += 1
            continue
        if n in seen:
            dups += 1
            continue
        seen.add(n)
        nbytes += len(data)
        if n < top:
            reord += 1
        top = max(top, n)
    print("received %d bytes %d bad %d duplicates %d reordered %d"
          % (len(seen), nbytes, bad, dups, reord))


def main(argv):
    if len(argv) in (7, 8) and argv[1] == "send":
        send(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]),
             argv[7:] == ["gso"])
    elif len(argv) == 6 and argv[1] == "recv":
        recv(int(argv[2]), int(argv[3]), int(argv[4]), float(argv[5]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
