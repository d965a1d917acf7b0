"""The energy-community model: its construction kit (YAML in this folder) and its behaviours."""
