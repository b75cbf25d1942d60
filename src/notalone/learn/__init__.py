"""Training code for the learned stage (``notalone train``); never imported by the detector.

Needs scikit-learn and scipy (the ``dev`` extra); the trained artefact needs only numpy.
"""
