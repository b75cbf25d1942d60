"""notalone: protect young people from online kidnapping, grooming, sextortion and fraud."""

__version__ = "0.1.0"
