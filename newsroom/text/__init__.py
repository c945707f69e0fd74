"""The bottom layer: Django-free rules for Chinese text (Han characters, names, slugs).

Everything else may import this package; it imports nothing of the project and nothing
of Django, so the parser and the tests of these rules run without settings.
"""
