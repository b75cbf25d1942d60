"""The scam-indicator registry: reports, moderation, lookups, imports and exports.

Database code lives here, never in ``notalone.detect``: the detector asks the registry through
:class:`notalone.detect.indicators.IndicatorLookup`, which :class:`DatabaseIndicatorLookup`
implements.
"""
