-- wrk script for getTodos over MCP, protocol 2025-11-25: a stateless server answers a
-- tools/call without a session, so each POST is one call (the handshake is a client's first
-- request only, and is not measured).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2025-11-25"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getTodos",'
  .. '"arguments":{"username":"bench"}}}'
