"""Zones: China's national high-tech zones, their reference data and mention detection."""
