-- Written by internal/prosodytest (TraceStanzas): logs every stanza (and
-- stream element) each session reads and writes, whole, at info level.
-- Prosody's own debug log names only a stanza's top tag, which hides what
-- a test needs to see (a presence's caps, a disco#info answer, a publish).
local filters = require "util.filters";

local function trace(session)
	local log = session.log or module._log;
	filters.add_filter(session, "stanzas/in", function (stanza)
		log("info", "TRACE IN %s", tostring(stanza));
		return stanza;
	end, 10000);
	filters.add_filter(session, "stanzas/out", function (stanza)
		log("info", "TRACE OUT %s", tostring(stanza));
		return stanza;
	end, -10000);
end

function module.load() filters.add_filter_hook(trace); end
function module.unload() filters.remove_filter_hook(trace); end
