"""A slixmpp client driven by a Go test (internal/slixtest).

Protocol, one JSON object a line:
  stdin, first line: the configuration
      {"jid", "password", "host", "port", "ca_file", "priority",
       "plugins": [...], "debug": bool}
  stdin, later lines: commands, each with a "seq" the reply repeats
      {"seq": 1, "op": "send", "to", "body", "type", "id", "origin_id",
       "extra_xml"}
      {"seq": 2, "op": "quit"}
  stdout: events
      {"event": "ready", "jid": full JID}   after the initial presence was
                                           processed by the server
      {"event": "message", "from", "to", "type", "id", "origin_id",
       "stanza_id", "body", "xml"}          every message stanza, as received
      {"event": "reply", "seq", "error"}    a command's outcome ("" = done)
      {"event": "error", "error"}          fatal: the process then exits
      {"event": "disconnected", "reason"}

Nothing is deduplicated, no archive is queried, carbons are not enabled and
stream management is not used: the output is what arrived on this one
stream, which is the point of a third-party receiver in a test.

The password comes on stdin, never in argv (visible in ps to every user).
"""

import asyncio
import json
import logging
import sys
import threading
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

SID_NS = "urn:xmpp:sid:0"


def emit(obj):
    # One write and a flush a line: the Go side reads line by line, and a
    # message must not wait in a buffer while the test counts.
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


class Harness(slixmpp.ClientXMPP):
    def __init__(self, cfg, done):
        super().__init__(cfg["jid"], cfg["password"])
        self.cfg = cfg
        self.done = done
        self.quitting = False
        for p in cfg.get("plugins") or []:
            self.register_plugin(p)
        if cfg.get("ca_file"):
            # Trust exactly the test server's self-signed certificate; the
            # host name is still checked against the JID's domain.
            self.ca_certs = cfg["ca_file"]
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_all_auth", self.on_auth_failed)
        self.add_event_handler("connection_failed", self.on_connection_failed)
        self.add_event_handler("disconnected", self.on_disconnected)
        self.add_event_handler("ssl_invalid_chain", self.on_bad_cert)
        # A raw handler on every message stanza, not the 'message' event,
        # which only fires for some types and after plugins looked at it.
        self.register_handler(Callback("slixtest messages", StanzaPath("message"), self.on_message))

    def finish(self, err=""):
        if not self.done.done():
            self.done.set_result(err)

    async def on_start(self, _event):
        prio = self.cfg.get("priority")
        self.send_presence(ppriority=prio if prio else None)
        # A roster get after the presence: the server handles one stream's
        # stanzas in order, so its answer means the presence is in effect and
        # messages to the bare JID now reach this resource.
        try:
            await self.get_roster(timeout=20)
        except Exception as e:  # noqa: BLE001 - reported to the Go side
            emit({"event": "error", "error": "roster get after the initial presence: %r" % (e,)})
            self.finish("roster")
            return
        emit({"event": "ready", "jid": str(self.boundjid)})

    def on_auth_failed(self, _event):
        emit({"event": "error", "error": "authentication failed for %s" % self.boundjid.bare})
        self.finish("auth")

    def on_connection_failed(self, err):
        emit({"event": "error", "error": "connection failed: %s" % (err,)})
        self.finish("connection")

    def on_bad_cert(self, err):
        # Handling this event leaves the disconnect to us.
        emit({"event": "error", "error": "TLS: the server's certificate is not trusted: %s" % (err,)})
        self.finish("tls")
        self.disconnect()

    def on_disconnected(self, reason):
        emit({"event": "disconnected", "reason": str(reason or "")})
        if not self.quitting:
            emit({"event": "error", "error": "disconnected: %s" % (reason or "the stream ended")})
        self.finish("" if self.quitting else "disconnected")

    def on_message(self, msg):
        x = msg.xml
        origin = x.find("{%s}origin-id" % SID_NS)
        sid = x.find("{%s}stanza-id" % SID_NS)
        body = x.find("{jabber:client}body")
        emit({
            "event": "message",
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "type": x.get("type", "normal"),
            "id": x.get("id", ""),
            "origin_id": origin.get("id", "") if origin is not None else "",
            "stanza_id": sid.get("id", "") if sid is not None else "",
            "body": (body.text or "") if body is not None else "",
            "xml": ET.tostring(x, encoding="unicode"),
        })

    def command(self, line):
        try:
            cmd = json.loads(line)
        except ValueError as e:
            emit({"event": "reply", "seq": 0, "error": "bad command line: %s" % e})
            return
        seq = cmd.get("seq", 0)
        op = cmd.get("op")
        try:
            if op == "send":
                self.send_one(cmd)
            elif op == "quit":
                self.quit()
            else:
                raise ValueError("unknown op %r" % (op,))
        except Exception as e:  # noqa: BLE001 - reported to the Go side
            emit({"event": "reply", "seq": seq, "error": str(e) or repr(e)})
            return
        emit({"event": "reply", "seq": seq, "error": ""})

    def send_one(self, cmd):
        if not cmd.get("to"):
            raise ValueError("send: no recipient")
        msg = self.make_message(mto=cmd["to"], mbody=cmd.get("body") or None,
                                mtype=cmd.get("type") or "chat")
        if cmd.get("id"):
            msg["id"] = cmd["id"]
        if cmd.get("origin_id"):
            el = ET.Element("{%s}origin-id" % SID_NS)
            el.set("id", cmd["origin_id"])
            msg.xml.append(el)
        if cmd.get("extra_xml"):
            # Elements a later test adds as they are (a chat state, a
            # correction), so the harness need not know every extension.
            wrapper = ET.fromstring("<x>" + cmd["extra_xml"] + "</x>")
            for child in list(wrapper):
                msg.xml.append(child)
        msg.send()

    def quit(self):
        self.quitting = True
        self.disconnect()
        # disconnect() waits for the server's </stream>; the process ends
        # whether or not it comes.
        asyncio.get_event_loop().call_later(2, self.finish)


def read_commands(loop, xmpp):
    for line in sys.stdin:
        line = line.strip()
        if line:
            loop.call_soon_threadsafe(xmpp.command, line)
    # stdin closed: the test is done with us.
    loop.call_soon_threadsafe(xmpp.quit)


def main():
    cfg_line = sys.stdin.readline()
    try:
        cfg = json.loads(cfg_line)
        for k in ("jid", "password", "host", "port"):
            if not cfg.get(k):
                raise ValueError("missing %r" % k)
    except ValueError as e:
        emit({"event": "error", "error": "bad configuration line: %s" % e})
        return 2
    logging.basicConfig(level=logging.DEBUG if cfg.get("debug") else logging.WARNING,
                        stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    done = loop.create_future()
    xmpp = Harness(cfg, done)
    xmpp.connect(address=(cfg["host"], int(cfg["port"])))
    threading.Thread(target=read_commands, args=(loop, xmpp), daemon=True).start()
    err = loop.run_until_complete(done)
    return 1 if err else 0


if __name__ == "__main__":
    sys.exit(main())
