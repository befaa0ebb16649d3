"""The `cunwu` command: the main group and its shared helpers in base.py, one module of commands per
concept; search and web register their commands through the `cunwu.commands` entry points."""
