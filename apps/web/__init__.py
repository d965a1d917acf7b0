"""The web apps: the management application (/app/) and the participant portal (/portal/).

The apps themselves are TypeScript (see docs/apps.md); this package serves their build.
"""
