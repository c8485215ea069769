"""Generated from programs/*.toml by `python -m agentguard.analysis.spec.load`: do not edit.

Which spec file names a program, so the hook parses only that file.
"""

NAMES: dict[str, str] = {
    "consul": "services",
    "doppler": "services",
    "firebase": "services",
    "fly": "services",
    "flyctl": "services",
    "gh": "services",
    "glab": "services",
    "heroku": "services",
    "mc": "services",
    "netlify": "services",
    "railway": "services",
    "render": "services",
    "stripe": "services",
    "vault": "services",
    "vercel": "services",
    "wrangler": "services",
}
