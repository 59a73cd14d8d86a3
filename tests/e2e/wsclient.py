#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""WebSocket clients for t_web_stream.sh (python3-websockets, and raw
sockets where a client must misbehave).

  wsclient.py stream URL OUT SECS IDLE [CMD]  each message of URL, a line of OUT, for
                                       SECS at most, IDLE seconds after the last one
                                       (CMD: sent after the first message)
  wsclient.py idle URL N SECS [-v]     N connections held SECS; prints how many stayed open
                                       (and were refused; -v: a line once all are tried)
  wsclient.py noread HOST PORT PATH SECS  a handshake, then never reads for SECS
  wsclient.py hostile HOST PORT PATH   oversized, malformed frames: prints the close codes
  wsclient.py page URL CAFILE USER:PASS  the page's socket (wss, Basic auth): 2 updates,
                                       then a command and its answer; or the HTTP status
"""
import asyncio
import base64
import json
import os
import socket
import ssl
import struct
import sys
import time

import websockets


async def stream(url, out, secs, idle_secs, cmd=None):
    n = 0
    with open(out, "w") as f:
        async with websockets.connect(url, max_size=1 << 20) as ws:
            print("open", flush=True)
            end = time.monotonic() + secs
            while time.monotonic() < end:
                wait = end - time.monotonic()
                if n:
                    wait = min(wait, idle_secs)
                try:
                    m = await asyncio.wait_for(ws.recv(), wait)
                except asyncio.TimeoutError:
                    break
                f.write(m + "\n")
                n += 1
                if n == 1 and cmd:
                    await ws.send(cmd)
    print(json.dumps({"messages": n}))


async def idle(url, n, secs, hook=None):
    conns, refused = [], {}
    for _ in range(n):
        try:
            conns.append(await websockets.connect(url, open_timeout=10, ping_interval=None))
        except websockets.exceptions.InvalidStatusCode as e:
            refused[str(e.status_code)] = refused.get(str(e.status_code), 0) + 1
    opened = len(conns)
    if hook:
        print(json.dumps({"holding": opened}), flush=True)
    await asyncio.sleep(secs)
    still = sum(1 for c in conns if c.open)
    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    r = {"opened": opened, "open_after": still}
    if refused:
        r["refused"] = refused
    print(json.dumps(r))


def handshake(host, port, path, rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(5)
    s.connect((host, int(port)))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise SystemExit("wsclient.py: closed during the handshake")
        head += chunk
    if not head.startswith(b"HTTP/1.1 101"):
        raise SystemExit("wsclient.py: no 101: " + head.decode(errors="replace"))
    return s


def noread(host, port, path, secs):
    s = handshake(host, port, path, rcvbuf=4096)
    time.sleep(float(secs))
    # what is left: the server has closed it, or still holds it open
    s.setblocking(False)
    closed = False
    try:
        while True:
            d = s.recv(1 << 20)
            if not d:
                closed = True
                break
    except BlockingIOError:
        pass
    except ConnectionResetError:
        closed = True
    print(json.dumps({"closed": closed}))


def frame(opcode, payload, mask=True, fin=True, length=None):
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload) if length is None else length
    m = 0x80 if mask else 0
    if n < 126:
        h = struct.pack("!BB", b0, m | n)
    elif n < 65536:
        h = struct.pack("!BBH", b0, m | 126, n)
    else:
        h = struct.pack("!BBQ", b0, m | 127, n)
    if not mask:
        return h + payload
    key = os.urandom(4)
    return h + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def close_code(s):
    """The code of the server's close frame, or what happened instead."""
    s.settimeout(3)
    buf = b""
    end = time.monotonic() + 3
    try:
        while time.monotonic() < end:
            d = s.recv(65536)
            if not d:
                return "eof"
            buf += d
            # skip the data frames the server pushed; find its close frame
            while len(buf) >= 2:
                op, n = buf[0] & 0x0F, buf[1] & 0x7F
                off = 2
                if n == 126:
                    if len(buf) < 4:
                        break
                    n, off = struct.unpack("!H", buf[2:4])[0], 4
                elif n == 127:
                    if len(buf) < 10:
                        break
                    n, off = struct.unpack("!Q", buf[2:10])[0], 10
                if len(buf) < off + n:
                    break
                if op == 8:
                    return struct.unpack("!H", buf[off:off + 2])[0] if n >= 2 else "close"
                buf = buf[off + n:]
        return "open"
    except socket.timeout:
        return "timeout"
    except ConnectionResetError:
        return "reset"


def hostile(host, port, path):
    out = {}
    cases = {
        "oversized": frame(1, b"x" * 70000),
        "unmasked": frame(1, b'{"op":"refresh"}', mask=False),
        "reserved_opcode": frame(3, b"abc"),
        "bad_utf8": frame(1, b"\xff\xfe\xfd"),
        "huge_length": frame(2, b"", length=1 << 62)[:14] + b"x" * 100,
        "fragmented_control": frame(9, b"ping", fin=False),
    }
    for name, data in cases.items():
        s = handshake(host, port, path)
        try:
            s.sendall(data)
        except OSError:
            pass
        out[name] = close_code(s)
        s.close()
    print(json.dumps(out))


async def page(url, cafile, cred):
    ctx = ssl.create_default_context(cafile=cafile) if url.startswith("wss:") else None
    headers = {}
    if cred:
        headers["Authorization"] = "Basic " + base64.b64encode(cred.encode()).decode()
    try:
        ws = await websockets.connect(url, ssl=ctx, extra_headers=headers, max_size=16 << 20)
    except websockets.exceptions.InvalidStatusCode as e:
        print(json.dumps({"status": e.status_code}))
        return
    types = []
    try:
        for _ in range(2):
            types.append(json.loads(await asyncio.wait_for(ws.recv(), 5))["type"])
        await ws.send(json.dumps({"op": "filter", "value": "no-such-endpoint"}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 5))
        while m["type"] != "view":
            m = json.loads(await asyncio.wait_for(ws.recv(), 5))
        types.append(m["type"])
        rows = len(m["endpoints"]["rows"])
    finally:
        await ws.close()
    print(json.dumps({"status": 101, "types": types, "rows_after_filter": rows}))


def main(argv):
    cmd = argv[1]
    if cmd == "stream":
        asyncio.run(stream(argv[2], argv[3], float(argv[4]), float(argv[5]),
                           argv[6] if len(argv) > 6 else None))
    elif cmd == "idle":
        asyncio.run(idle(argv[2], int(argv[3]), float(argv[4]), len(argv) > 5))
    elif cmd == "noread":
        noread(*argv[2:6])
    elif cmd == "page":
        asyncio.run(page(argv[2], argv[3], argv[4] if len(argv) > 4 else ""))
    elif cmd == "hostile":
        hostile(*argv[2:5])
    else:
        raise SystemExit("wsclient.py: unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
