"""Mapping files (YAML) that ship with meshkit; `default.yaml` is the Austrian template."""
