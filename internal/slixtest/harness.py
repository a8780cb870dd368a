"""A slixmpp client driven by a Go test (internal/slixtest).

Protocol, one JSON object a line:
  stdin, first line: the configuration
      {"jid", "password", "host", "port", "ca_file", "priority",
       "plugins": [...], "debug": bool, "omemo_store": path, "carbons": bool}
  stdin, later lines: commands, each with a "seq" the reply repeats
      {"seq": 1, "op": "send", "to", "body", "type", "id", "origin_id",
       "extra_xml", "encrypt": bool, "recipients": [bare JIDs]}
                                           (recipients: whom "encrypt"
                                           encrypts for instead of "to";
                                           needed for a "groupchat")
      {"seq": 2, "op": "omemo_devices", "jid"}
      {"seq": 3, "op": "upload_slot", "filename", "size", "content_type"}
      {"seq": 4, "op": "upload_file", "path", "content_type"}
      {"seq": 5, "op": "quit"}
      {"seq": 6, "op": "muc_join", "room", "nick"}   (plugin xep_0045; the
                                           room's refusal is the error)
      {"seq": 7, "op": "invite", "room", "to", "reason", "password",
       "mediated": bool}      (xep_0249 direct, or xep_0045 mediated)
      {"seq": 8, "op": "reply", "to", "body", "type", "id", "reply_to", "reply_id"}
                                           (needs plugin xep_0461: its stanza)
      {"seq": 9, "op": "react", "to", "reactions_id", "reactions": [...]}
                                           (needs plugin xep_0444: its send_reactions)
      {"seq": 12, "op": "retract", "to", "id", "type"}
                                           (needs plugin xep_0424: its send_retraction)
      {"seq": 13, "op": "marker", "to", "id", "marker"}
                                           (needs plugin xep_0333: its send_marker)
      {"seq": 10, "op": "presence", "to", "extra_xml"}
                                           (e.g. a room join: to room/nick
                                           with <x xmlns=muc/>)
      {"seq": 11, "op": "iq", "type", "to", "xml"}
                                           (the answer's XML, and its error
                                           condition if it is one)
      {"seq": 12, "op": "muc_config", "room", "fields": {var: value}}
                                           (xep_0045: the room's form with
                                           these fields changed, submitted;
                                           a value a string or a list)
      {"seq": 13, "op": "muc_affiliation", "room", "jid", "affiliation"}
                                           (xep_0045's set_affiliation)
      {"seq": 14, "op": "muc_role", "room", "nick", "role", "reason"}
                                           (xep_0045's set_role: "none"
                                           kicks)
  stdout: events
      {"event": "ready", "jid": full JID}   after the initial presence was
                                           processed by the server
      {"event": "omemo_ready", "device_id", "fingerprint"}
                                           OMEMO mode: own device list and
                                           bundles are published
      {"event": "message", "from", "to", "type", "id", "origin_id",
       "stanza_id", "body", "xml"}          every message stanza, as received
                                           (and the OMEMO fields below)
                                           ("carbon": "sent"|"received" and
                                           the other fields the forwarded
                                           message's, with "carbons")
      {"event": "reply", "seq", "error", "result"}
                                           a command's outcome ("" = done);
                                           "send" gives the XML sent,
                                           "omemo_devices" the devices,
                                           "upload_slot" the service and
                                           the slot (or why it was
                                           refused), "upload_file" the
                                           GET URL
      {"event": "error", "error"}          fatal: the process then exits
      {"event": "disconnected", "reason"}

OMEMO mode ("omemo_store" set: the JSON file python-omemo keeps its keys
and sessions in) loads slixmpp-omemo with blind trust. A message with an
OMEMO <encrypted> element is reported decrypted: "body" is the plaintext
("" for an empty key transport message), with "encrypted": true,
"prekey" (it started a session with this device), "sender_device", and
"decrypt_error" when decryption failed (body then is what the stanza
carried, the fallback text). "send" with "encrypt" encrypts the body.

OMEMO in a room (XEP-0384 0.3 as Conversations and Dino use it: a
members-only room that shows real JIDs): OMEMO mode loads xep_0045, where
slixmpp-omemo looks up the real JID of a groupchat sender (room/nick, from
the occupant's presence). A "groupchat" message is decrypted like a chat
one, "from" staying room/nick. A "send" of type "groupchat" with "encrypt"
goes to the room encrypted for "recipients" (the other members' bare JIDs)
and our own other devices. The room's copy of what this device sent comes
back with "reflected": true: OMEMO encrypts for every device but the
sending one, so it is not decrypted; "body" is the text sent with that id
(and "decrypt_error" if this process sent none with it).

Nothing is deduplicated, no archive is queried and stream management is not
used: the output is what arrived on this one stream, which is the point of a
third-party receiver in a test. Carbons (XEP-0280) are enabled only with
"carbons": then "ready" comes once the server acknowledged the enable, and
a carbon from our own bare JID is reported as the message it forwards, with
"carbon" saying which kind, decrypted in OMEMO mode like any other ("xml"
stays the whole stanza as received, the wrapper with the forwarded message).
A carbon from anyone else (a forgery) is reported as it is, not unwrapped.

HTTP file upload (XEP-0363) is slixmpp's own xep_0363 plugin, loaded at the
first upload command (it needs python3-aiohttp): "upload_slot" finds the
service through disco on the account's domain and asks it for a slot, a
refusal being a result, not an error; "upload_file" is the plugin's whole
upload_file (disco, slot, PUT with aiohttp).

The password comes on stdin, never in argv (visible in ps to every user).
"""

import asyncio
import copy
import json
import logging
import os
import sys
import threading
import xml.etree.ElementTree as ET

import slixmpp
from slixmpp.exceptions import IqError
from slixmpp.xmlstream.handler import Callback
from slixmpp.xmlstream.matcher import StanzaPath

SID_NS = "urn:xmpp:sid:0"
CARBONS_NS = "urn:xmpp:carbons:2"
FORWARD_NS = "urn:xmpp:forward:0"
OLDMEMO_NS = "eu.siacs.conversations.axolotl"


# The events' stream. main points sys.stdout at stderr: a library's print
# (slixmpp 1.8.3's join_muc_wait prints every message that comes during a
# join) must not land among the events.
EVENTS = sys.stdout


def emit(obj):
    # One write and a flush a line: the Go side reads line by line, and a
    # message must not wait in a buffer while the test counts.
    EVENTS.write(json.dumps(obj, ensure_ascii=False) + "\n")
    EVENTS.flush()


class Harness(slixmpp.ClientXMPP):
    def __init__(self, cfg, done):
        super().__init__(cfg["jid"], cfg["password"])
        self.cfg = cfg
        self.done = done
        self.quitting = False
        # Commands run one after another, in the order they came: an
        # encrypted send awaits the network (device lists, bundles), and a
        # later command must not overtake it.
        self.commands = asyncio.Queue()
        # Rooms being joined (bare JID) and the future a refusal resolves.
        self.joins = {}
        asyncio.get_event_loop().create_task(self.serve_commands())
        for p in cfg.get("plugins") or []:
            self.register_plugin(p)
        self.carbons = bool(cfg.get("carbons"))
        if self.carbons:
            self.register_plugin("xep_0280")
        self.omemo = None
        if cfg.get("omemo_store"):
            self.omemo = load_omemo(self, cfg["omemo_store"])
            # slixmpp-omemo refuses a groupchat message without it: the
            # sender's real JID is in its occupant list.
            self.register_plugin("xep_0045")
            # What this device sent encrypted to rooms, by stanza id: the
            # reflection cannot be decrypted (the library's advice).
            self.sent_to_rooms = {}
            # Decryption awaits the network too (the sender's bundle), so
            # stanzas are handled in arrival order by one task.
            self.incoming = asyncio.Queue()
            asyncio.get_event_loop().create_task(self.serve_incoming())
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
        # Every presence stanza too, as it came (Client.Presences).
        self.register_handler(Callback("slixtest presences", StanzaPath("presence"), self.on_presence))

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
        if self.carbons:
            try:
                await self["xep_0280"].enable(timeout=20)
            except Exception as e:  # noqa: BLE001 - reported to the Go side
                emit({"event": "error", "error": "enabling carbons: %r" % (e,)})
                self.finish("carbons")
                self.disconnect()
                return
        emit({"event": "ready", "jid": str(self.boundjid)})
        if self.omemo is None:
            return
        # The plugin starts building its session manager at resource bind;
        # the build returns once the device lists and bundles are published
        # (python-omemo's SessionManager.create), which is what a peer needs
        # before it can encrypt to us.
        try:
            sm = await self.omemo.get_session_manager()
            own, _ = await sm.get_own_device_information()
        except Exception as e:  # noqa: BLE001 - reported to the Go side
            emit({"event": "error", "error": "OMEMO set-up: %s: %s" % (type(e).__name__, e)})
            self.finish("omemo")
            self.disconnect()
            return
        emit({"event": "omemo_ready", "device_id": own.device_id,
              "fingerprint": "".join(sm.format_identity_key(own.identity_key))})

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

    def on_presence(self, pres):
        x = pres.xml
        refused = self.joins.get(pres["from"].bare) if x.get("type") == "error" else None
        if refused is not None and not refused.done():
            refused.set_result(pres)
        emit({"event": "presence", "from": str(pres["from"]), "to": str(pres["to"]),
              "type": x.get("type", ""), "xml": ET.tostring(x, encoding="unicode")})

    def on_message(self, msg):
        if self.omemo is not None:
            # A groupchat sender's real JID as the room's presences say
            # now: decryption may come after the occupant left.
            self.incoming.put_nowait((msg, self.occupant_jid(msg)))
            return
        emit(self.event_for(msg)[1])

    def occupant_jid(self, msg):
        """The real JID xep_0045 knows for a groupchat message's room/nick
        (None: another type, or not known)."""
        if msg["type"] != "groupchat" or "xep_0045" not in self.plugin:
            return None
        frm = msg["from"]
        real = self["xep_0045"].get_jid_property(slixmpp.JID(frm.bare), frm.resource, "jid")
        return slixmpp.JID(real) if real else None

    def event_for(self, msg):
        """The event for a received stanza and the message it is about:
        with carbons on, a carbon's forwarded message."""
        inner, kind = self.uncarbon(msg)
        if inner is None:
            return msg, message_event(msg)
        ev = message_event(inner)
        ev["carbon"] = kind
        ev["xml"] = ET.tostring(msg.xml, encoding="unicode")
        return inner, ev

    def uncarbon(self, msg):
        """The message a carbon forwards and "sent" or "received"; None
        without carbons enabled, for any other stanza, and for a carbon not
        from our own bare JID (XEP-0280's security rule)."""
        if not self.carbons:
            return None, ""
        for kind in ("sent", "received"):
            wrapper = msg.xml.find("{%s}%s" % (CARBONS_NS, kind))
            if wrapper is None:
                continue
            if msg["from"].bare != self.boundjid.bare:
                return None, ""
            inner = wrapper.find("{%s}forwarded/{jabber:client}message" % FORWARD_NS)
            if inner is None:
                return None, ""
            # A stanza object of its own, as the OMEMO plugin takes it: its
            # from is the sender (a sent carbon: one of our resources).
            return slixmpp.stanza.Message(self, xml=inner), kind
        return None, ""

    async def serve_incoming(self):
        while True:
            stanza, real = await self.incoming.get()
            msg, ev = self.event_for(stanza)
            if self.omemo.is_encrypted(msg) is not None:
                await self.decrypt(msg, ev, real)
            emit(ev)

    async def decrypt(self, msg, ev, real=None):
        ev["encrypted"] = True
        enc = msg.xml.find("{%s}encrypted" % OLDMEMO_NS)
        if enc is not None:
            header = enc.find("{%s}header" % OLDMEMO_NS)
            sid = header.get("sid", "0") if header is not None else "0"
            ev["sender_device"] = int(sid) if sid.isdigit() else 0
        try:
            sm = await self.omemo.get_session_manager()
            own, _ = await sm.get_own_device_information()
            if self.is_reflection(msg, ev, own.device_id, real):
                ev["reflected"] = True
                sent = self.sent_to_rooms.get(msg["id"])
                if sent is None:
                    ev["decrypt_error"] = ("reflection of a message this device sent, id %r, "
                                           "not one this process sent" % msg["id"])
                else:
                    ev["body"] = sent
                return
            if enc is not None:
                # Read off the wire, not from the library: whether the key
                # for this device came as a pre-key (session-starting)
                # message. python-oldmemo writes only prekey="true".
                for key in enc.iter("{%s}key" % OLDMEMO_NS):
                    if key.get("rid") == str(own.device_id):
                        ev["prekey"] = key.get("prekey") in ("true", "1")
            if msg["type"] == "groupchat" and real is not None and self.occupant_jid(msg) is None:
                # The sender left the room since the message came: the
                # library would find no real JID. Decrypted as what it is,
                # a message from that account.
                msg = copy.copy(msg)
                msg["type"] = "chat"
                msg["from"] = real
            plain, _device = await self.omemo.decrypt_message(msg)
            ev["body"] = plain["body"] or ""
        except Exception as e:  # noqa: BLE001 - what the test checks
            ev["decrypt_error"] = "%s: %s" % (type(e).__name__, e)

    def is_reflection(self, msg, ev, own_device, real):
        """Whether a groupchat message is the room's copy of one this very
        device sent: its sid ours, from our nick or our real JID."""
        if msg["type"] != "groupchat" or ev.get("sender_device") != own_device:
            return False
        if real is not None and real.bare == self.boundjid.bare:
            return True
        nicks = self["xep_0045"].our_nicks if "xep_0045" in self.plugin else {}
        return nicks.get(slixmpp.JID(msg["from"].bare)) == msg["from"].resource

    def command(self, line):
        self.commands.put_nowait(line)

    async def serve_commands(self):
        while True:
            line = await self.commands.get()
            await self.run_command(line)

    async def run_command(self, line):
        try:
            cmd = json.loads(line)
        except ValueError as e:
            emit({"event": "reply", "seq": 0, "error": "bad command line: %s" % e})
            return
        seq = cmd.get("seq", 0)
        op = cmd.get("op")
        result = None
        try:
            if op == "send":
                result = await self.send_one(cmd)
            elif op == "omemo_devices":
                result = await self.omemo_devices(cmd)
            elif op == "upload_slot":
                result = await self.upload_slot(cmd)
            elif op == "upload_file":
                result = await self.upload_file(cmd)
            elif op == "presence":
                result = self.send_presence_to(cmd)
            elif op == "reply":
                result = self.send_reply_to(cmd)
            elif op == "react":
                self["xep_0444"].send_reactions(slixmpp.JID(cmd["to"]), cmd["reactions_id"], cmd.get("reactions") or [])
            elif op == "marker":
                self["xep_0333"].send_marker(slixmpp.JID(cmd["to"]), cmd["id"], cmd.get("marker") or "displayed")
            elif op == "retract":
                self["xep_0424"].send_retraction(slixmpp.JID(cmd["to"]), cmd["id"], cmd.get("type") or "chat")
            elif op == "muc_join":
                await self.join_room(cmd)
            elif op == "invite":
                self.invite(cmd)
            elif op == "muc_config":
                await self.configure_room(cmd)
            elif op == "muc_affiliation":
                await self.plugin["xep_0045"].set_affiliation(
                    slixmpp.JID(cmd["room"]), cmd["affiliation"], jid=slixmpp.JID(cmd["jid"]), timeout=20)
            elif op == "muc_role":
                await self.plugin["xep_0045"].set_role(
                    slixmpp.JID(cmd["room"]), cmd["nick"], cmd["role"], reason=cmd.get("reason") or "", timeout=20)
            elif op == "iq":
                result = await self.raw_iq(cmd)
            elif op == "quit":
                self.quit()
            else:
                raise ValueError("unknown op %r" % (op,))
        except Exception as e:  # noqa: BLE001 - reported to the Go side
            emit({"event": "reply", "seq": seq, "error": str(e) or repr(e)})
            return
        reply = {"event": "reply", "seq": seq, "error": ""}
        if result is not None:
            reply["result"] = result
        emit(reply)

    def invite(self, cmd):
        """A room invitation by slixmpp's own plugins: xep_0045's mediated
        one (through the room) or xep_0249's direct one."""
        room, to = slixmpp.JID(cmd["room"]), slixmpp.JID(cmd["to"])
        if cmd.get("mediated"):
            self.plugin["xep_0045"].invite(room, to, cmd.get("reason") or "")
        else:
            self.plugin["xep_0249"].send_invitation(
                to, room, password=cmd.get("password") or None,
                reason=cmd.get("reason") or None)

    async def join_room(self, cmd):
        """xep_0045's join_muc_wait, failing at once on the room's
        refusal: the plugin knows an error presence only with the
        <x xmlns=muc/> of the join in it, which prosody's refusals (not a
        member, banned) leave out, and would wait for its timeout."""
        muc = self.plugin["xep_0045"]
        room = slixmpp.JID(cmd["room"])
        refused = asyncio.get_event_loop().create_future()
        self.joins[room.bare] = refused
        join = asyncio.ensure_future(muc.join_muc_wait(room, cmd["nick"], maxstanzas=0, timeout=20))
        try:
            done, _ = await asyncio.wait([join, refused], return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.joins.pop(room.bare, None)
        if join in done:
            join.result()
            return
        join.cancel()
        # Not in the room: no occupant list of it, and no nick.
        muc.rooms.pop(room, None)
        muc.our_nicks.pop(room, None)
        err = refused.result()["error"]
        raise ValueError("the room refused the join: %s/%s %s"
                         % (err["type"], err["condition"], err["text"] or ""))

    async def configure_room(self, cmd):
        """The room's configuration form (XEP-0045 §10.2) with the given
        fields set, submitted: it also unlocks a room just created."""
        muc = self.plugin["xep_0045"]
        room = slixmpp.JID(cmd["room"])
        form = await muc.get_room_config(room, timeout=20)
        fields = form.get_fields()
        for var, value in (cmd.get("fields") or {}).items():
            if var not in fields:
                raise ValueError("muc_config: the room's form has no field %r (it has %s)"
                                 % (var, ", ".join(sorted(fields))))
            fields[var]["value"] = value
        await muc.set_room_config(room, form, timeout=20)

    async def send_one(self, cmd):
        if not cmd.get("to"):
            raise ValueError("send: no recipient")
        msg = self.make_message(mto=cmd["to"], mbody=cmd.get("body") or None,
                                mtype=cmd.get("type") or "chat")
        msgs = [msg]
        if cmd.get("encrypt"):
            msgs = await self.encrypt(msg, cmd.get("recipients"))
        elif cmd.get("recipients"):
            raise ValueError("send: recipients without encrypt")
        for m in msgs:
            if cmd.get("id"):
                m["id"] = cmd["id"]
            if cmd.get("origin_id"):
                el = ET.Element("{%s}origin-id" % SID_NS)
                el.set("id", cmd["origin_id"])
                m.xml.append(el)
            if cmd.get("extra_xml"):
                # Elements a later test adds as they are (a chat state, a
                # correction), so the harness need not know every extension.
                wrapper = ET.fromstring("<x>" + cmd["extra_xml"] + "</x>")
                for child in list(wrapper):
                    m.xml.append(child)
        for m in msgs:
            if cmd.get("encrypt") and m["type"] == "groupchat":
                self.sent_to_rooms[m["id"]] = cmd["body"]
            m.send()
        return [ET.tostring(m.xml, encoding="unicode") for m in msgs]

    def send_reply_to(self, cmd):
        # As the XEP-0461 plugin's send_reply, with the id the test gives.
        msg = self.make_message(mto=cmd["to"], mbody=cmd.get("body") or None,
                                mtype=cmd.get("type") or "chat")
        if cmd.get("id"):
            msg["id"] = cmd["id"]
        if cmd.get("reply_to"):
            msg["reply"]["to"] = cmd["reply_to"]
        msg["reply"]["id"] = cmd["reply_id"]
        msg.send()
        return ET.tostring(msg.xml, encoding="unicode")

    def send_presence_to(self, cmd):
        # Directed (to) or, without one, broadcast; extra_xml or xml: its
        # children (a room join's <x/>, a XEP-0153 photo hash).
        p = self.make_presence(pto=cmd["to"]) if cmd.get("to") else self.make_presence()
        for key in ("extra_xml", "xml"):
            if cmd.get(key):
                wrapper = ET.fromstring("<x>" + cmd[key] + "</x>")
                for child in list(wrapper):
                    p.xml.append(child)
        p.send()
        return ET.tostring(p.xml, encoding="unicode")

    async def encrypt(self, msg, recipients=None):
        if self.omemo is None:
            raise ValueError("send: encrypt without OMEMO mode")
        if not msg["body"]:
            raise ValueError("send: encrypt needs a body")
        # A room's JID has no devices: a groupchat message is encrypted
        # for its members, whom the test names.
        if recipients:
            to = {slixmpp.JID(j) for j in recipients}
        elif msg["type"] == "groupchat":
            raise ValueError("send: an encrypted groupchat message needs recipients (the members' bare JIDs)")
        else:
            to = {slixmpp.JID(msg["to"])}
        # One stanza per OMEMO version the recipient's devices take; a body
        # only ever goes as 0.3 (the plugin's 0.8 would need SCE).
        msgs, errors = await self.omemo.encrypt_message(msg, to)
        if not msgs:
            raise ValueError("send: nothing to encrypt for (no device of %s?): %s"
                             % (", ".join(sorted(str(j) for j in to)),
                                "; ".join(repr(e) for e in errors) or "no error"))
        out = []
        for ns, m in msgs.items():
            m["eme"]["namespace"] = ns
            m["eme"]["name"] = self["xep_0380"].mechanisms.get(ns, "OMEMO")
            out.append(m)
        return out

    async def omemo_devices(self, cmd):
        if self.omemo is None:
            raise ValueError("omemo_devices without OMEMO mode")
        sm = await self.omemo.get_session_manager()
        bare = slixmpp.JID(cmd.get("jid") or "").bare
        if not bare:
            raise ValueError("omemo_devices: no JID")
        return [{
            "device_id": d.device_id,
            "fingerprint": "".join(sm.format_identity_key(d.identity_key)),
            "trust": d.trust_level_name,
            "namespaces": sorted(d.namespaces),
        } for d in await sm.get_device_information(bare)]

    def upload_plugin(self):
        # Loaded on demand: it imports aiohttp, which only uploads need.
        if "xep_0363" not in self.plugin:
            self.register_plugin("xep_0363")
        return self["xep_0363"]

    async def upload_service(self, up):
        """The upload service in disco#items of our domain, and the
        max-file-size its disco#info advertises (None without one). Set on
        the plugin too, so its upload_file does not look again.

        Not the plugin's find_upload_service: on Debian 12 it fails
        ("Passing coroutines is forbidden"): slixmpp 1.8.3's
        get_info_from_domain hands coroutines to asyncio.wait, which
        Python 3.11 refuses."""
        disco = self["xep_0030"]
        domain = self.boundjid.domain
        items = await disco.get_items(jid=domain, timeout=20)
        for jid in [domain] + [it[0] for it in items["disco_items"]["items"]]:
            info = await disco.get_info(jid=jid, timeout=20)
            di = info["disco_info"]
            if ("store", "file") not in [(i[0], i[1]) for i in di["identities"]]:
                continue
            if "urn:xmpp:http:upload:0" not in di["features"]:
                continue
            max_size = None
            for form in di.iterables:
                values = form["values"]
                if values.get("FORM_TYPE") == ["urn:xmpp:http:upload:0"] and values.get("max-file-size"):
                    max_size = int(values["max-file-size"])
            up.upload_service = info["from"]
            up.max_file_size = max_size if max_size is not None else float("+inf")
            return info["from"], max_size
        raise ValueError("no upload service in disco#items of %s" % domain)

    async def upload_slot(self, cmd):
        up = self.upload_plugin()
        service, max_size = await self.upload_service(up)
        out = {"service": str(service), "max_file_size": max_size}
        try:
            iq = await up.request_slot(service, cmd.get("filename") or "file", int(cmd.get("size") or 0),
                                       cmd.get("content_type") or None, timeout=20)
        except IqError as e:
            err = e.iq["error"]
            out["refused"] = {"type": err["type"], "condition": err["condition"], "text": err["text"]}
            return out
        slot = iq["http_upload_slot"]
        out["put"] = slot["put"]["url"]
        out["get"] = slot["get"]["url"]
        out["headers"] = {h["name"]: h["value"] for h in slot["put"]["headers"]}
        return out

    async def upload_file(self, cmd):
        up = self.upload_plugin()
        if up.upload_service is None:
            await self.upload_service(up)
        url = await up.upload_file(cmd["path"], content_type=cmd.get("content_type") or None, timeout=60)
        return {"get": url, "service": str(up.upload_service)}

    async def raw_iq(self, cmd):
        """Sends cmd["xml"] as the payload of an IQ (cmd["type"], get or
        set) to cmd["to"] (none: our account) and returns the answer's XML,
        an error answer included: tests write exactly what a XEP (or a
        hostile client) sends, e.g. an avatar whose data is not its id."""
        iq = self.make_iq_set() if cmd.get("type") == "set" else self.make_iq_get()
        if cmd.get("to"):
            iq["to"] = cmd["to"]
        iq.append(ET.fromstring(cmd["xml"]))
        try:
            resp = await iq.send(timeout=30)
        except IqError as e:
            return {"xml": str(e.iq), "error": e.iq["error"]["condition"]}
        return {"xml": str(resp)}

    def quit(self):
        if self.quitting:
            return
        self.quitting = True
        asyncio.ensure_future(self.flush_and_disconnect())

    async def flush_and_disconnect(self):
        # disconnect() ends the stream at once when the send queue is
        # empty, which it is while the last stanza taken from it still goes
        # through the output filters: a message sent just before quit
        # would be lost. join() waits until that one is written too.
        try:
            await asyncio.wait_for(self.waiting_queue.join(), 1)
        except asyncio.TimeoutError:
            pass
        self.disconnect()
        # disconnect() waits for the server's </stream>; the process ends
        # whether or not it comes.
        asyncio.get_event_loop().call_later(2, self.finish)


def message_event(msg):
    x = msg.xml
    origin = x.find("{%s}origin-id" % SID_NS)
    sid = x.find("{%s}stanza-id" % SID_NS)
    body = x.find("{jabber:client}body")
    ev = {
        "event": "message",
        "from": str(msg["from"]),
        "to": str(msg["to"]),
        "type": x.get("type", "normal"),
        "id": x.get("id", ""),
        "origin_id": origin.get("id", "") if origin is not None else "",
        "stanza_id": sid.get("id", "") if sid is not None else "",
        "body": (body.text or "") if body is not None else "",
        "xml": ET.tostring(x, encoding="unicode"),
    }
    # As the XEP-0461 and XEP-0444 plugins read them, when registered.
    if x.find("{urn:xmpp:reply:0}reply") is not None and "reply" in msg.plugin_attrib_map:
        ev["reply_id"] = msg["reply"]["id"]
        ev["reply_to"] = msg["reply"]["to"]
    if x.find("{urn:xmpp:reactions:0}reactions") is not None and "reactions" in msg.plugin_attrib_map:
        ev["reactions_id"] = msg["reactions"]["id"]
        ev["reactions"] = [r["value"] for r in msg["reactions"]]
    if x.find("{urn:xmpp:chat-markers:0}displayed") is not None and "displayed" in msg.plugin_attrib_map:
        ev["displayed"] = msg["displayed"]["id"]
    if x.find("{urn:xmpp:chat-markers:0}markable") is not None and "markable" in msg.plugin_attrib_map:
        ev["markable"] = True
    if x.find("{urn:xmpp:fasten:0}apply-to/{urn:xmpp:message-retract:0}retract") is not None and "apply_to" in msg.plugin_attrib_map:
        ev["retracts"] = msg["apply_to"]["id"]
    return ev


def load_omemo(xmpp, store_path):
    """Registers slixmpp-omemo (XEP-0384) with blind trust and its state in
    one JSON file, and returns the plugin. Imported here, not at the top:
    without OMEMO mode the harness needs only slixmpp."""
    from omemo.storage import Just, Nothing, Storage
    from slixmpp.plugins import register_plugin
    from slixmpp_omemo import XEP_0384

    class JSONStorage(Storage):
        # The whole state rewritten on every change: a test's device has a
        # few hundred keys, and a file the test can keep between runs
        # (Params.OMEMOStore) keeps the device id and identity.
        def __init__(self, path):
            super().__init__()
            self.path = path
            self.data = {}
            try:
                with open(path, encoding="utf8") as f:
                    self.data = json.load(f)
            except FileNotFoundError:
                pass

        def save(self):
            tmp = self.path + ".tmp"
            with open(tmp, "w", encoding="utf8") as f:
                json.dump(self.data, f)
            os.replace(tmp, self.path)

        async def _load(self, key):
            return Just(self.data[key]) if key in self.data else Nothing()

        async def _store(self, key, value):
            self.data[key] = value
            self.save()

        async def _delete(self, key):
            self.data.pop(key, None)
            self.save()

    class OMEMO(XEP_0384):
        # Blind trust before verification: a test's peers are new devices
        # every run, and nobody is there to answer a trust prompt.
        default_config = dict(XEP_0384.default_config, store_path=None)

        def plugin_init(self):
            self._storage = JSONStorage(self.config["store_path"])
            super().plugin_init()

        @property
        def storage(self):
            return self._storage

        @property
        def _btbv_enabled(self):
            return True

        async def _devices_blindly_trusted(self, blindly_trusted, identifier):
            pass

        async def _prompt_manual_trust(self, manually_trusted, identifier):
            # With blind trust on, python-omemo asks only about a new device
            # of a contact who has a manually trusted one, which no test
            # sets up: fail loudly rather than guess.
            raise RuntimeError("manual trust decision asked for %s" % (manually_trusted,))

    register_plugin(OMEMO)
    xmpp.register_plugin("xep_0380")  # Explicit Message Encryption, the <encryption/> hint
    xmpp.register_plugin("xep_0384", {"store_path": store_path})
    return xmpp["xep_0384"]


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
    sys.stdout = sys.stderr
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
