"""Rendering results for people (rich), for machines (JSON) and for CI (annotations)."""
