-- Murmur's Ardour test: a session with one stereo track playing a test file into Murmur.vst3,
-- parameters set through Ardour by their names, the master exported to a WAV file.
-- ardour7-lua -- render.lua SESSION-DIR OUT-DIR OUT-NAME SECONDS [NAME=VALUE ...]
-- Values are in the parameters' own units, as Ardour shows them (degrees, dB, 0/1 switches).

local session_dir = assert (arg[1], "session folder")
local out_dir = assert (arg[2], "output folder")
local out_name = assert (arg[3], "output name")
local seconds = tonumber (arg[4] or "3")
local rate = 48000

local function fail (why)
	io.stderr:write ("murmur-ardour-test: " .. why .. "\n")
	if Session then close_session () end
	os.exit (1)
end

-- The dummy backend starts by itself: no audio hardware is needed.
if not create_session (session_dir, "murmur", rate) then fail ("create_session failed") end

local function render ()
	local tracks = Session:new_audio_track (2, 2, nil, 1, "Voice", ARDOUR.PresentationInfo.max_order,
		ARDOUR.TrackMode.Normal, false, false)
	local track = tracks:front ()
	if track:isnil () then fail ("no track") end
	local player = ARDOUR.LuaAPI.new_luaproc (Session, "Murmur Test Player")
	if player:isnil () then fail ("the test player script is missing") end
	if track:add_processor_by_index (player, 0, nil, true) ~= 0 then fail ("player not added") end

	local murmur = ARDOUR.LuaAPI.new_plugin (Session, "Murmur", ARDOUR.PluginType.VST3, "")
	if murmur:isnil () then fail ("Murmur.vst3 is not in Ardour's plugin cache") end
	if track:add_processor_by_index (murmur, 1, nil, true) ~= 0 then fail ("Murmur not added") end
	local plugin = murmur:to_insert ():plugin (0)
	local index = {}
	for i = 0, plugin:parameter_count () - 1 do
		if plugin:parameter_is_input (i) then index[plugin:parameter_label (i)] = i end
	end
	for a = 5, #arg do
		local name, value = string.match (arg[a], "^(.-)=([-+%d.eE]+)$")
		if not name or not index[name] then fail ("no parameter " .. arg[a]) end
		if not ARDOUR.LuaAPI.set_processor_param (murmur, index[name], tonumber (value)) then
			fail ("Ardour refused " .. arg[a])
		end
	end

	local export = Session:simple_export ()
	-- Ardour's stock "WAV" preset: 16-bit at the session's rate.
	if not export:set_preset ("75969a1c-3133-4694-864b-a1fa50e43348") then fail ("no WAV preset") end
	export:set_name (out_name)
	export:set_folder (out_dir)
	export:set_range (0, math.floor (seconds * rate))
	if not export:run_export () then fail ("export failed") end
end

render ()
-- Every Lua reference to the session's objects must be gone before the session closes.
collectgarbage ()
collectgarbage ()
close_session ()
