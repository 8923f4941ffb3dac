"""The runtime contract test: dist/ booted on the real MCP Mesh registry, SDK and PostgreSQL."""
