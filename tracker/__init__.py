"""tracker: watch news articles change, one version and one revision at a time."""

__version__ = "0.1.0"
