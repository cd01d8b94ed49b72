"""Upstream adapters over one shared aiohttp session, and the model catalog with prices."""
