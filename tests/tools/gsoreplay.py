#!/usr/bin/env python3
"""Replay captured tunnel datagrams as UDP_SEGMENT messages, to steer them.

    gsoreplay.py <pcap> <local addr> <local port> <dest addr> <dest port> [<per message>]

Reads the UDP payloads of a classic pcap file (Ethernet, IPv4, as tcpdump
writes on a veth), groups those of one length, and sends each group, up to
<per message> (default 16) at a time, as ONE message with a UDP_SEGMENT
control message: the kernel carries it as one GSO packet, and a receiving
socket with UDP_GRO takes it whole. A SO_REUSEPORT steering program sees
only its first datagram, so every datagram of the message reaches the
socket its first one picks, whichever its own flow would pick: what a
replayer can do to move a datagram to another queue than the one it was
first received on. Prints "sent <datagrams> messages <messages>". Test tool.
"""
import socket
import struct
import sys

SOL_UDP = 17
UDP_SEGMENT = 103


def payloads(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        rec = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(rec) < 14 + 20 + 8 or rec[12:14] != b"\x08\x00":
            continue
        ihl = (rec[14] & 0x0F) * 4
        if rec[23] != 17:
            continue
        udp = 14 + ihl
        ulen = struct.unpack(">H", rec[udp + 4:udp + 6])[0]
        yield rec[udp + 8:udp + ulen]


def datagrams(payload):
    """A captured payload cut into the tunnel's datagrams: a capture on a
    veth sees a UDP_SEGMENT message whole, cut by the kernel at the size
    of its first datagram, which its inner IPv4, IPv6 or ARP header gives."""
    hdr, eth = 40, 14
    seg = len(payload)
    if len(payload) >= hdr + eth + 20:
        etype = payload[hdr + 12:hdr + 14]
        if etype == b"\x08\x00":
            seg = hdr + eth + struct.unpack(">H", payload[hdr + eth + 2:hdr + eth + 4])[0]
        elif etype == b"\x86\xdd" and len(payload) >= hdr + eth + 40:
            seg = hdr + eth + 40 + struct.unpack(">H", payload[hdr + eth + 4:hdr + eth + 6])[0]
        elif etype == b"\x08\x06":
            seg = hdr + eth + 28
    seg = max(1, min(seg, len(payload)))
    for i in range(0, len(payload), seg):
        yield payload[i:i + seg]


def main(argv):
    if len(argv) not in (6, 7):
        sys.exit(__doc__)
    per = int(argv[6]) if len(argv) == 7 else 16
    groups = {}
    for p in payloads(argv[1]):
        for d in datagrams(p):
            groups.setdefault(len(d), []).append(d)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((argv[2], int(argv[3])))
    dest = (argv[4], int(argv[5]))
    sent = msgs = 0
    for size, group in sorted(groups.items()):
        for i in range(0, len(group), per):
            chunk = group[i:i + per]
            cmsg = [(SOL_UDP, UDP_SEGMENT, struct.pack("=H", size))] if len(chunk) > 1 else []
            s.sendmsg([b"".join(chunk)], cmsg, 0, dest)
            sent += len(chunk)
            msgs += 1
    print("sent %d messages %d" % (sent, msgs))


if __name__ == "__main__":
    main(sys.argv)
