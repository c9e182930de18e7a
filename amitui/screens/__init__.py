"""The App's screens: they compose widgets and route between them; features stay in
``amitui.widgets`` and headless code. A screen never imports the App (import-linter)."""
