"""`agentguard dashboard`: a local page for the human, served on 127.0.0.1 only.

Server-rendered (Starlette + Jinja2), a few lines of plain JavaScript to refresh the live parts, no build step.
It reads the same state the CLI reads and acts through the same functions the CLI calls. Nothing is imported
here by the hook: starlette, jinja2 and uvicorn load only when the dashboard runs.
"""
