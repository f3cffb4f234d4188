#!/usr/bin/env python3
"""A numbered UDP stream, to count what a tunnel loses and what it delivers twice.

    seqstream.py send <host> <port> <seconds> <per second> [<source port>]
    seqstream.py recv <port> <seconds> <slice seconds>

send: datagrams carrying "seq <n>", n = 0, 1, 2 ..., evenly paced; prints
"sent <n>". recv: until <seconds> have passed, then prints

    received <n> duplicates <d> up <percent of 100 ms bins with a datagram>
    slices <count in slice 0> <count in slice 1> ...

where a duplicate is a sequence number received before (the tunnel never
duplicates a datagram, and neither does IP: each one is a replay), and the
bins and slices count from the first datagram to the last. Test tool only.
"""
import socket
import sys
import time

BIN_S = 0.1


def send(host, port, seconds, rate, sport=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", sport))  # a chosen port: a flow the test can place
    start, n = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        due = start + n / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        try:
            s.sendto(b"seq %d" % n, (host, port))
        except OSError:
            pass  # no route for a moment: that datagram is lost, as on a wire
        n += 1
    print("sent", n)


def recv(port, seconds, slice_s):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    end = time.monotonic() + seconds
    seen, dups, first, last_t, bins, slices = set(), 0, None, None, set(), {}
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data = s.recv(64)
        except socket.timeout:
            break
        now = time.monotonic()
        if first is None:
            first = now
        last_t = now
        try:
            n = int(data.split()[1])
        except (IndexError, ValueError):
            continue
        if n in seen:
            dups += 1
            continue
        seen.add(n)
        bins.add(int((now - first) / BIN_S))
        k = int((now - first) / slice_s)
        slices[k] = slices.get(k, 0) + 1
    span = int((last_t - first) / BIN_S) + 1 if first is not None else 1
    up = 100.0 * len(bins) / max(span, 1)
    print("received %d duplicates %d up %.1f" % (len(seen), dups, up))
    last = max(slices) if slices else -1
    print("slices", " ".join(str(slices.get(k, 0)) for k in range(last + 1)))


def main(argv):
    if len(argv) in (6, 7) and argv[1] == "send":
        send(argv[2], int(argv[3]), float(argv[4]), float(argv[5]),
             int(argv[6]) if len(argv) == 7 else 0)
    elif len(argv) == 5 and argv[1] == "recv":
        recv(int(argv[2]), float(argv[3]), float(argv[4]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
