#!/usr/bin/python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Drive a headless Chromium over the DevTools protocol (CDP JSON on a
WebSocket, python3-websockets), for t_web.sh. The browser is started by the
test with --remote-debugging-port=PORT on loopback; each call attaches to its
first page.

  cdp.py PORT navigate URL            load URL, wait for its load event
  cdp.py PORT eval EXPR               print the JSON value of EXPR
  cdp.py PORT wait EXPR SECS          until EXPR is true (exit 1 after SECS)
  cdp.py PORT screenshot FILE         a PNG of the whole page, 1280 wide
  cdp.py PORT click SELECTOR          a real mouse click at its centre
"""
import asyncio
import base64
import json
import sys
import time
import urllib.request

import websockets


def page_ws(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5) as r:
        targets = json.load(r)
    for t in targets:
        if t.get("type") == "page":
            return t["webSocketDebuggerUrl"]
    raise SystemExit("cdp.py: no page target")


class Cdp:
    def __init__(self, ws):
        self.ws, self.n, self.events = ws, 0, []

    async def call(self, method, **params):
        self.n += 1
        mid = self.n
        await self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        while True:
            m = json.loads(await asyncio.wait_for(self.ws.recv(), 15))
            if m.get("id") == mid:
                if "error" in m:
                    raise SystemExit(f"cdp.py: {method}: {m['error']}")
                return m["result"]
            self.events.append(m)

    async def event(self, name, secs):
        end = time.monotonic() + secs
        while time.monotonic() < end:
            for e in self.events:
                if e.get("method") == name:
                    return e
            self.events.clear()
            try:
                m = json.loads(await asyncio.wait_for(self.ws.recv(), end - time.monotonic()))
            except asyncio.TimeoutError:
                break
            self.events.append(m)
        raise SystemExit(f"cdp.py: no {name} within {secs} s")

    async def eval(self, expr):
        r = await self.call("Runtime.evaluate", expression=expr, returnByValue=True)
        if "exceptionDetails" in r:
            raise SystemExit(f"cdp.py: {expr}: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")


async def main(argv):
    port, cmd, args = argv[1], argv[2], argv[3:]
    async with websockets.connect(page_ws(port), max_size=64 << 20) as ws:
        c = Cdp(ws)
        if cmd == "navigate":
            await c.call("Page.enable")
            await c.call("Page.navigate", url=args[0])
            await c.event("Page.loadEventFired", 15)
        elif cmd == "eval":
            print(json.dumps(await c.eval(args[0])))
        elif cmd == "wait":
            end = time.monotonic() + float(args[1])
            while time.monotonic() < end:
                if await c.eval(args[0]):
                    return 0
                await asyncio.sleep(0.1)
            return 1
        elif cmd == "screenshot":
            await c.call("Emulation.setDeviceMetricsOverride", width=1280, height=900,
                         deviceScaleFactor=1, mobile=False)
            await asyncio.sleep(0.3)
            # the whole page, not only the window: the diagram is below the fold
            m = await c.call("Page.getLayoutMetrics")
            size = m.get("cssContentSize") or m["contentSize"]
            r = await c.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                             clip={"x": 0, "y": 0, "width": 1280,
                                   "height": min(int(size["height"]), 4000), "scale": 1})
            with open(args[0], "wb") as f:
                f.write(base64.b64decode(r["data"]))
        elif cmd == "click":
            box = await c.eval("(function(){var r=document.querySelector(%s)"
                               ".getBoundingClientRect();return [r.x+r.width/2,r.y+r.height/2]})()"
                               % json.dumps(args[0]))
            for t in ("mousePressed", "mouseReleased"):
                await c.call("Input.dispatchMouseEvent", type=t, x=box[0], y=box[1],
                             button="left", clickCount=1)
        else:
            raise SystemExit(f"cdp.py: unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv)))
