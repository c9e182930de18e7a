"""Textual widgets and modal screens for amitui (shipped as ``amitui.widgets``)."""
