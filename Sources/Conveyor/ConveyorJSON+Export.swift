// JSONValue, JSONObject and JSONNumber are part of Conveyor's API (a job's `args` and `fields` are
// JSON values), and they lived in this module before ConveyorJSON was split out. Re-exporting keeps
// `import Conveyor` enough for apps, the Redis backend and the executables, so none of them needs a
// second import or a change.
@_exported import ConveyorJSON
