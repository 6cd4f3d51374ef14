-- wrk script for getTodos over MCP, protocol 2026-07-28: one self-contained tools/call per POST,
-- its protocol version and capabilities in _meta and mirrored in the Mcp-* headers.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = "getTodos"
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getTodos",'
  .. '"arguments":{"username":"bench"},"_meta":{'
  .. '"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
  .. '"io.modelcontextprotocol/clientCapabilities":{}}}}'
