"""scrutiny: oversight of how English councils handle complaints."""

__version__ = "0.1.0"
