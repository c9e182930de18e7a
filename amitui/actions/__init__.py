"""Mutating actions, each as plan (pure) then execute (journaled)."""
