-- mod_clove_darknet: outgoing server-to-server connections to I2P (and
-- Tor) domains go through a SOCKS5 proxy, with the name resolved by the
-- proxy (ATYP 3), never by DNS. Plays the role of mod_darknet (majestrate,
-- 2018) for Clove's bundled node, for prosody 0.12, without its bugs: SOCKS
-- errors are detected and bounce the queued stanzas with a reason.
--
-- Global module (modules_enabled in the global section). Options:
--   darknet_socks_host = "127.0.0.1"   -- i2pd's SOCKS proxy
--   darknet_socks_port = 4447
--   darknet_only = true                -- refuse clearnet s2s
--   darknet_map = { ["example.org"] = "xxxx.b32.i2p" }  -- clearnet name → darknet host
--   darknet_socks_timeout = 60         -- seconds to wait for the proxy's answer
--   darknet_retry_for = 0              -- seconds to keep retrying a failed
--                                      -- darknet delivery before bouncing it
--   darknet_ack_timeout = 30           -- seconds for a peer to answer the
--                                      -- ping that confirms a darknet link
--                                      -- delivered what we sent; 0: off
--
-- How (prosody 0.12.3 has no s2sout-pre-connect event): mod_s2s asks
-- net.resolvers.service.new(to_host, "xmpp-server", ...) for every new
-- outgoing session; wrapping that function answers darknet hosts with the
-- proxy's address. The SOCKS5 handshake then runs in s2sout-connected,
-- which fires right before the stream header is written: the session's
-- open_stream, data and sends2s are held until the proxy has connected.

module:set_global();

local service = require "net.resolvers.service";
local manual = require "net.resolvers.manual";
local timer = require "util.timer";
local s2s_destroy_session = require "core.s2smanager".destroy_session;
local errors = require "util.error";
local xml_parse = require "util.xml".parse;
local st = require "util.stanza";
local new_id = require "util.id".short;
local add_filter = require "util.filters".add_filter;

local socks_host = module:get_option_string("darknet_socks_host", "127.0.0.1");
local socks_port = module:get_option_number("darknet_socks_port", 4447);
local darknet_only = module:get_option_boolean("darknet_only", false);
local darknet_map = module:get_option("darknet_map", {});
local socks_timeout = module:get_option_number("darknet_socks_timeout", 60);
local retry_for = module:get_option_number("darknet_retry_for", 0);
local ack_timeout = module:get_option_number("darknet_ack_timeout", 30);
local s2s_port = 5269;

local function is_darknet(host)
	return host:match("%.i2p$") ~= nil or host:match("%.onion$") ~= nil;
end

-- target returns the darknet host to reach for an XMPP domain, or nil.
local function target(host)
	if type(host) ~= "string" then return nil; end
	host = host:lower();
	local mapped = darknet_map[host];
	if mapped then return mapped; end
	-- A subdomain of a .b32.i2p name (muc.<b32>.b32.i2p, a node's rooms) is
	-- served by the same destination: i2pd resolves only the bare name.
	local b32 = host:match("%.([a-z2-7]+%.b32%.i2p)$");
	if b32 then return b32; end
	if is_darknet(host) then return host; end
	return nil;
end

local original_new = service.new;

service.new = function (hostname, service_name, conn_type, extra)
	if service_name ~= "xmpp-server" and service_name ~= "xmpps-server" then
		return original_new(hostname, service_name, conn_type, extra);
	end
	local dest = target(hostname);
	if dest then
		if service_name == "xmpps-server" then
			-- Direct TLS is not offered over the proxy: STARTTLS on 5269 only.
			local r = manual.new({}, conn_type, extra);
			r.last_error = "direct TLS is not used for darknet hosts";
			return r;
		end
		module:log("debug", "s2s to %s goes through SOCKS5 %s:%d as %s", hostname, socks_host, socks_port, dest);
		return manual.new({ { "tcp4", socks_host, socks_port, extra } }, conn_type, extra);
	end
	if darknet_only then
		module:log("info", "refusing s2s to clearnet host %s (darknet_only)", hostname);
		local r = manual.new({}, conn_type, extra);
		r.last_error = "darknet_only: this server talks to .i2p and .onion servers only, not "..tostring(hostname);
		return r;
	end
	return original_new(hostname, service_name, conn_type, extra);
end

function module.unload()
	service.new = original_new;
end

local socks_errors = {
	[1] = "general SOCKS server failure";
	[2] = "connection not allowed by ruleset";
	[3] = "network unreachable";
	-- i2pd answers 4 at once both for a lease set not found and while its
	-- own tunnels are not built: Clove's window tells which, knowing the
	-- node's state.
	[4] = "no way to the destination found (it is offline or not published yet, or this node's router has no tunnels yet)";
	[5] = "connection refused by the destination";
	[6] = "TTL expired";
	[7] = "command not supported by the proxy";
	[8] = "address type not supported by the proxy";
};

local function fail(session, conn, why)
	session.log("warn", "s2s to %s through SOCKS5 failed: %s", session.to_host, why);
	-- Close without writing a stream error into the proxy's socket.
	session.sends2s = function () return false; end
	session.open_stream = function () end
	s2s_destroy_session(session, why, errors.new({
		type = "cancel"; condition = "remote-server-not-found";
		text = "Could not reach "..session.to_host.." over I2P: "..why;
	}));
	conn:close();
end

module:hook("s2sout-connected", function (event)
	local session = event.session;
	local dest = target(session.to_host);
	if not dest or not session.conn then return; end
	local conn = session.conn;

	-- Hold what mod_s2s does next until the proxy has connected.
	local held_open = session.open_stream;
	local held_data = session.data;
	local held_send = session.sends2s;
	local queued = {};
	local opened_args;
	session.open_stream = function (_, from, to) opened_args = { from, to }; end
	session.sends2s = function (t) queued[#queued + 1] = t; return true; end

	local buffer = "";
	local stage = "greeting";
	local done = false;
	local timeout = timer.add_task(socks_timeout, function ()
		if not done then
			done = true;
			fail(session, conn, "the SOCKS proxy did not answer within "..socks_timeout.." s");
		end
	end);

	local function finish()
		done = true;
		timer.stop(timeout);
		session.open_stream, session.data, session.sends2s = held_open, held_data, held_send;
		session.log("debug", "SOCKS5 connected to %s:%d", dest, s2s_port);
		local rest = buffer;
		buffer = "";
		if opened_args then
			session:open_stream(opened_args[1], opened_args[2]);
		else
			session:open_stream(session.from_host, session.to_host);
		end
		for _, t in ipairs(queued) do session.sends2s(t); end
		if #rest > 0 then session.data(rest); end
	end

	session.data = function (data)
		if done then return; end
		buffer = buffer .. data;
		if stage == "greeting" then
			if #buffer < 2 then return; end
			if buffer:byte(1) ~= 5 or buffer:byte(2) ~= 0 then
				return fail(session, conn, ("the proxy at %s:%d is not a SOCKS5 proxy without authentication"):format(socks_host, socks_port));
			end
			buffer = buffer:sub(3);
			stage = "reply";
		end
		if stage == "reply" then
			if #buffer < 5 then return; end
			if buffer:byte(1) ~= 5 then
				return fail(session, conn, "garbled SOCKS5 reply");
			end
			local code = buffer:byte(2);
			if code ~= 0 then
				return fail(session, conn, socks_errors[code] or ("SOCKS5 error "..code));
			end
			local atyp, need = buffer:byte(4), nil;
			if atyp == 1 then need = 10;
			elseif atyp == 4 then need = 22;
			elseif atyp == 3 then need = 7 + buffer:byte(5);
			else return fail(session, conn, "garbled SOCKS5 reply address"); end
			if #buffer < need then return; end
			buffer = buffer:sub(need + 1);
			done = true;
			return finish();
		end
	end

	if #dest > 255 then
		return fail(session, conn, "host name too long for SOCKS5");
	end
	-- Greeting (no authentication) and CONNECT in one write; i2pd accepts
	-- the pipelined request.
	local request = "\5\1\0" .. "\5\1\0\3" .. string.char(#dest) .. dest
		.. string.char(math.floor(s2s_port / 256), s2s_port % 256);
	conn:write(request);
end, 100);

-- Retrying failed deliveries. An I2P destination is often briefly out of
-- reach: its router restarting, its lease set not found yet (SOCKS 0x04),
-- our own router restarting (the proxy refuses connections). Instead of
-- bouncing the stanzas queued on a failed outgoing session at once, they are
-- routed again after a pause (5, 10, 20, 30, 30 … s), each stanza until
-- darknet_retry_for seconds after its first failure; then it bounces with
-- the last reason.
local first_failure = {}; -- stanza key -> os.time() of its first failure
local probe_prefix = "clove-darknet-probe-"; -- ids of the module's own pings (below)

local function is_probe(stanza)
	return (stanza.attr.id or ""):find(probe_prefix, 1, true) == 1;
end
local retry_delays = { 5, 10, 20, 30 };
local bouncy = { message = true, presence = true, iq = true };

local function forget_old()
	local now = os.time();
	for k, t in pairs(first_failure) do
		if now - t > retry_for + 60 then first_failure[k] = nil; end
	end
end

-- Confirming deliveries. A link through I2P can die without either end
-- noticing: the peer's router restarted, its streams are gone, and our
-- router keeps resending into its old tunnels for minutes while prosody
-- writes on. Prosody 0.12 has no stream management between servers that
-- authenticate with dialback (sm is offered only after authentication, and
-- dialback does not restart the stream), so the module keeps its own
-- record: every stanza sent on a darknet link stays queued until a ping
-- (XEP-0199) sent after it is answered — any answer, even an error from
-- the peer, means the link carried everything before it. Without an answer
-- in darknet_ack_timeout seconds the link is closed; whatever it did not
-- confirm is routed again over a new link (and retried, see above). The
-- peer may see a stanza twice; Clove drops duplicates by their ids.
local lost_conditions = {
	["remote-server-timeout"] = true; ["remote-server-not-found"] = true;
	["resource-constraint"] = true;
};

local function confirm_deliveries(host_module)
	local function reroute(session, why)
		local pending = session.darknet_unconfirmed;
		session.darknet_unconfirmed = nil;
		if not pending or #pending == 0 then return; end
		session.log("warn", "%d stanza(s) to %s not confirmed (%s); sending them again over a new link", #pending, session.to_host, why);
		timer.add_task(0, function ()
			for _, stanza in ipairs(pending) do host_module:send(stanza); end
		end);
	end

	local probe;
	probe = function (session)
		session.darknet_probe_due = nil;
		local pending = session.darknet_unconfirmed;
		if session.destroyed or not pending or #pending == 0 or session.darknet_probing then return; end
		local covered = #pending;
		session.darknet_probing = true;
		local ping = st.iq({ type = "get", from = session.from_host, to = session.to_host, id = probe_prefix..new_id() })
			:tag("ping", { xmlns = "urn:xmpp:ping" });
		host_module:send_iq(ping, nil, ack_timeout):next(function ()
			return true;
		end, function (err)
			return not (err and lost_conditions[err.condition]);
		end):next(function (delivered)
			session.darknet_probing = nil;
			if session.destroyed then return; end
			local q = session.darknet_unconfirmed;
			if not q then return; end
			if delivered then
				for _ = 1, covered do table.remove(q, 1); end
				if #q > 0 then probe(session); end
				return;
			end
			session.log("warn", "no answer from %s over I2P in %d s; closing the link", session.to_host, ack_timeout);
			session:close({ condition = "connection-timeout", text = "no answer over I2P in time" });
			if not session.destroyed then
				-- Do not wait for the dead link's orderly close.
				reroute(session, "no answer in time");
			end
		end);
	end

	-- A probe half a second after the first unconfirmed stanza covers the
	-- burst it belongs to; none while one is due or in flight.
	local function schedule_probe(session)
		if session.darknet_probe_due or session.darknet_probing then return; end
		session.darknet_probe_due = true;
		timer.add_task(0.5, function () probe(session); end);
	end

	host_module:hook("s2sout-created", function (event)
		local session = event.session;
		if not target(session.to_host) then return; end
		session.darknet_unconfirmed = {};
		add_filter(session, "stanzas/out", function (stanza, sess)
			if st.is_stanza(stanza) and bouncy[stanza.name] and not stanza.attr.xmlns
				and not is_probe(stanza) and sess.darknet_unconfirmed then
				local q = sess.darknet_unconfirmed;
				q[#q + 1] = st.clone(stanza);
				schedule_probe(sess);
			end
			return stanza;
		end, 1000);
	end);

	-- What waited for the link to open is written as text when it opens:
	-- record it too.
	host_module:hook("s2sout-established", function (event)
		local session = event.session;
		local q = session.darknet_unconfirmed;
		if not q or not session.sendq then return; end
		for _, data in ipairs(session.sendq) do
			local stanza = data[2] and xml_parse(data[1]);
			if stanza and bouncy[stanza.name] and not is_probe(stanza) then q[#q + 1] = stanza; end
		end
		if #q > 0 then schedule_probe(session); end
	end);

	host_module:hook("s2sout-destroyed", function (event)
		local session = event.session;
		reroute(session, "link closed: "..tostring(event.reason or "unknown reason"));
		-- An established link that ended (our router restarted, say): open a
		-- new one with a ping, retried like any stanza. Besides being ready
		-- for the next message, the new stream carries our router's fresh
		-- lease set to the peer (our SOCKS proxy and our server tunnels share
		-- one destination), so the peer reaches us at once instead of trying
		-- our old tunnels until its copy expires (up to 10 minutes).
		local from, to = session.from_host, session.to_host;
		if session.type == "s2sout" and not prosody.shutdown_reason and from and to and target(to) then
			timer.add_task(5, function ()
				if prosody.shutdown_reason or host_module:get_host() ~= from then return; end
				host_module:log("info", "reopening the link to %s", to);
				host_module:send(st.iq({ type = "get", from = from, to = to, id = "clove-darknet-hello-"..new_id() })
					:tag("ping", { xmlns = "urn:xmpp:ping" }));
			end);
		end
	end);
end

function module.add_host(host_module)
	if retry_for > 0 then
		host_module:hook("s2sout-created", function (event)
			local session = event.session;
			if not target(session.to_host) then return; end
			local original_bounce = session.bounce_sendq;
			session.bounce_sendq = function (sess, reason)
				local sendq = sess.sendq;
				if not sendq then return original_bounce(sess, reason); end
				forget_old();
				local now, keep = os.time(), {};
				for _, data in ipairs(sendq) do
					local stanza = data[2] and xml_parse(data[1]);
					-- Keyed on addresses and id: the text of a stanza parsed and
					-- serialized again may order its attributes differently.
					local key = stanza and table.concat({ stanza.name, stanza.attr.from or "", stanza.attr.to or "", stanza.attr.id or data[1] }, " ");
					local first = key and first_failure[key];
					if stanza and bouncy[stanza.name] and not is_probe(stanza) and (not first or now - first < retry_for) then
						first_failure[key] = first or now;
						local delay = retry_delays[math.min(#retry_delays, 1 + math.floor((now - (first or now)) / 15))];
						sess.log("info", "delivery to %s failed (%s); trying again in %d s", sess.to_host, tostring(reason and (reason.text or reason.condition) or reason), delay);
						timer.add_task(delay, function ()
							host_module:send(stanza);
						end);
					else
						keep[#keep + 1] = data;
						if key then first_failure[key] = nil; end
					end
				end
				sess.sendq = #keep > 0 and keep or nil;
				return original_bounce(sess, reason);
			end
		end);
	end
	-- Only for user hosts: a component's (the rooms') answers to the ping
	-- may not reach the module, and a false alarm would resend group
	-- messages.
	if ack_timeout > 0 and host_module:get_host_type() == "local" then
		confirm_deliveries(host_module);
	end
end
